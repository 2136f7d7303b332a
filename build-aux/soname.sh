#!/bin/sh
# soname.sh LIBRARY COMPILER...: the SONAME of libLIBRARY.so as COMPILER
# links it, for loading that library at run time with dlopen().
set -eu
lib=$1
shift
path=$("$@" -print-file-name="lib$lib.so")
readelf -d "$path" | sed -n 's/.*Library soname: \[\(.*\)\]/\1/p'
