# shellcheck shell=bash
# The hook tests' server mode: with VSA_HOOK_SERVER=1 in the environment,
# hook_server_start runs the resident server beside $HOOK (the gate talks
# to the server of its own directory, in its own network namespace), so
# the same cases run through it; without, the gate execs its worker.
# hook_server_start [WRAPPER...]: WRAPPER (e.g. strace ...) runs the server.
# Sets HOOK_SERVER_PID (empty in worker mode); stops it at hook_server_stop.
HOOK_SERVER_PID=
hook_server_name() { echo "@virt-spice-admin-hookd:$(dirname "$(readlink -f "$HOOK")")"; }
# Not grep -q: ss may write in pieces, and a grep that quits early fails
# the pipe (SIGPIPE) under pipefail.
hook_server_listening() { ss -xl | grep -F "$(hook_server_name) " >/dev/null; }
hook_server_start() {
    [ "${VSA_HOOK_SERVER:-}" = 1 ] || return 0
    # Not on the test's stdout: meson waits for every holder of it.
    "$@" "$(dirname "$(readlink -f "$HOOK")")/virt-spice-admin-hookd" </dev/null >/dev/null 2>&1 &
    HOOK_SERVER_PID=$!
    for _ in $(seq 100); do hook_server_listening && return 0; sleep 0.05; done
    echo "Bail out! the hook server did not start"
    exit 1
}
hook_server_stop() {
    [ -n "$HOOK_SERVER_PID" ] || return 0
    # The server itself first: a tracer that is stopped lets it run on.
    kill "$(hook_server_pid)" "$HOOK_SERVER_PID" 2>/dev/null
    wait "$HOOK_SERVER_PID" 2>/dev/null
    HOOK_SERVER_PID=
}
# hook_server_pid: the pid of this test's server process (under a
# wrapper, the wrapper's child), for telling its log lines from a
# worker's; other tests may run the same binary at the same time.
hook_server_pid() {
    pgrep -P "$HOOK_SERVER_PID" -f virt-spice-admin-hookd || echo "$HOOK_SERVER_PID"
}
