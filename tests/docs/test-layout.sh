#!/bin/bash
# The layers of docs/architecture.md, checked against the code:
#   - core/ and hooks/ never include a libvirt header (the hook must not
#     talk to libvirtd, and core/ is what the hook links);
#   - xml/ does no I/O: no file, process, socket or libvirt call;
#   - no include climbs: a layer includes headers of its own folder and of
#     the layers below it only (meson's include directories enforce this at
#     build time; this test names the offending line);
#   - docs/architecture.md's layout table says what the build allows.
set -euo pipefail
root=${1:?usage: test-layout.sh SOURCE-ROOT}
cd "$root"
n=0
check() {  # check DESCRIPTION OFFENDING-LINES
  n=$((n + 1))
  if [ -z "$2" ]; then
    echo "ok $n - $1"
  else
    echo "not ok $n - $1"
    printf '%s\n' "$2" | sed 's/^/#   /'
  fi
}
headers_of() { (cd "$1" && ls -- *.h 2>/dev/null) | sort; }

libvirt_includes=$(grep -nE '#include <libvirt/' virt-spice-admin/core/*.[ch] hooks/*.[ch] 2>/dev/null || true)
check "core/ and hooks/ include no libvirt header" "$libvirt_includes"

io_calls=$(grep -nE '\b(fopen|open|openat|read|write|close|unlink|rename|mkdir|stat|lstat|opendir|g_file_[a-z_]+|g_spawn_[a-z_]+|g_subprocess_[a-z_]+|xmlReadFile|xmlParseFile|xmlSaveFile[A-Za-z]*|popen|system|exec[lv][a-z]*|fork|socket|connect|vir[A-Z][A-Za-z]+)\s*\(' xml/*.c 2>/dev/null || true)
check "xml/ does no I/O (files, processes, sockets, libvirt)" "$io_calls"

# Which folders each folder may include from (its own, then the layers below).
declare -A may=(
  [xml]="xml"
  [virt-spice-admin/core]="virt-spice-admin/core xml"
  [virt-spice-admin/host]="virt-spice-admin/host virt-spice-admin/core xml"
  [virt-spice-admin/client]="virt-spice-admin/client virt-spice-admin/core xml"
  [virt-spice-admin/cli]="virt-spice-admin/cli virt-spice-admin/core xml"
  [virt-spice-admin/commands]="virt-spice-admin/commands virt-spice-admin/cli virt-spice-admin/host virt-spice-admin/client virt-spice-admin/core xml"
  [hooks]="hooks virt-spice-admin/core xml"
)
declare -A home=()
for dir in xml virt-spice-admin/core virt-spice-admin/host virt-spice-admin/client \
           virt-spice-admin/cli virt-spice-admin/commands hooks; do
  for h in $(headers_of "$dir"); do home[$h]=$dir; done
done
for dir in "${!may[@]}"; do
  bad=""
  for f in "$dir"/*.[ch]; do
    [ -e "$f" ] || continue
    while IFS= read -r inc; do
      h=${inc#*\"}; h=${h%\"*}
      owner=${home[$h]:-}
      [ -n "$owner" ] || continue   # generated headers (resources, schemas)
      case " ${may[$dir]} " in *" $owner "*) ;; *) bad+="$f includes $h (from $owner)"$'\n' ;; esac
    done < <(grep -h '#include "' "$f" || true)
  done
  check "$dir/ includes only from: ${may[$dir]}" "${bad%$'\n'}"
done

# docs/architecture.md's layout table says the same: its "may include"
# column (the third) names, besides the folder itself, exactly these.
doc=docs/architecture.md
mismatch=""
for dir in "${!may[@]}"; do
  row=$(grep -F "| \`$dir/\` |" "$doc" || true)
  if [ -z "$row" ]; then mismatch+="$doc has no row for $dir/"$'\n'; continue; fi
  cell=$(awk -F'|' '{ print $4 }' <<<"$row")
  listed=$({ echo "$dir"; grep -o '`[^`]*/`' <<<"$cell" | tr -d '`' | sed 's:/$::'; } | sort -u | xargs)
  want=$(tr ' ' '\n' <<<"${may[$dir]}" | sort -u | xargs)
  [ "$listed" = "$want" ] || mismatch+="$doc: $dir/ may include '$listed', the build allows '$want'"$'\n'
done
check "$doc lists what each folder may include" "${mismatch%$'\n'}"

# Module cycles: vsa-a.[ch] includes vsa-b.h and vsa-b.[ch] includes vsa-a.h.
cycle=""
for a in xml/*.h; do
  ma=$(basename "$a" .h)
  for b in $(cat "xml/$ma".[ch] 2>/dev/null | grep -o '#include "vsa-[a-z-]*\.h"' | sed 's/#include "\(.*\)\.h"/\1/' | sort -u); do
    [ "$b" != "$ma" ] && [ -f "xml/$b.h" ] || continue
    [[ "$ma" < "$b" ]] || continue
    # grep on the files, not on a pipe from cat: a grep -q that quits at the
    # .c file's match would fail the pipe under pipefail and hide the cycle.
    grep -qs "#include \"$ma.h\"" "xml/$b".[ch] && cycle+="xml/$ma <-> xml/$b"$'\n'
  done
done
check "no two xml/ modules include each other" "${cycle%$'\n'}"
# Small files and small functions: no product source file over 600 lines,
# no function body over 80 (a function starts at a line "name (" in
# column 0 and its body runs from the "{" to the "}" in column 0).
big_files=$(find xml virt-spice-admin hooks -name '*.c' -exec wc -l {} + |
            awk '$2 != "total" && $1 > 600 { print $2 " has " $1 " lines" }')
check "no product source file over 600 lines" "$big_files"
long_functions=$(for f in $(find xml virt-spice-admin hooks -name '*.c' | sort); do
  awk -v file="$f" '
    /^[a-z_][A-Za-z0-9_]* \(/ { name = $1 }
    /^\{/ { start = NR }
    /^\}/ { if (start && NR - start > 80) print file ": " name " has " NR - start " lines"; start = 0 }
  ' "$f"
done)
check "no product function over 80 lines" "$long_functions"
echo "1..$n"
