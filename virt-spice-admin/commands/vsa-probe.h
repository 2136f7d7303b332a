/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Used when VsaProbeRequest.timeout_ms is 0. */
#define VSA_PROBE_DEFAULT_TIMEOUT_MS 10000

typedef enum {
  VSA_PROBE_OPENED,          /* TLS + SPICE link + authentication succeeded */
  VSA_PROBE_AUTH_REFUSED,    /* the server (or the SASL layer) refused the credentials */
  VSA_PROBE_TLS_ERROR,       /* TLS handshake or certificate verification failed */
  VSA_PROBE_CONNECT_ERROR,   /* no TCP connection, broken link, or timeout */
} VsaProbeOutcome;

typedef struct {
  const char *host;          /* address to connect to: name, IPv4 or bare
                              * IPv6 (no brackets, no ":port") */
  int tls_port;              /* 1..65535; no plain-text port is ever tried */
  const char *ca_file;       /* PEM file with the CA certificate(s) to trust */
  const char *host_subject;  /* optional: when set, the server certificate
                              * subject must match it *instead of* the host
                              * name; RDNs in certificate order, as for
                              * libvirt's host-subject: "O=Example,CN=host" */
  const char *username;      /* optional: SASL user */
  const char *password;      /* optional: ticket password or SASL password */
  guint timeout_ms;          /* 0 selects VSA_PROBE_DEFAULT_TIMEOUT_MS */
} VsaProbeRequest;

/*
 * Runs one connection attempt against the SPICE TLS port and waits until
 * the main channel is opened, fails, or timeout_ms expires.  It stops as
 * soon as the main channel is open: no display/input channel is created.
 *
 * On return, *ret_outcome holds the outcome and, if ret_detail is not NULL,
 * *ret_detail a one-line, human-readable detail prefixed with host:port
 * (never containing the password; free with g_free()).
 *
 * Returns FALSE and sets @error (VSA_ERROR_INVALID) only when the request
 * itself is unusable (missing or malformed host, bad port, unreadable CA
 * file, CA file without a PEM certificate, empty host_subject, ticket
 * password over 60 bytes without a username), or VSA_ERROR_FAILED when the
 * main context cannot be used (see below).  A refused, failed or
 * timed out connection is an outcome, not an error.
 *
 * Main context: spice-client-glib 0.42 attaches its sources to the global
 * default GMainContext (g_idle_add() and g_source_attach (src, NULL)) but
 * completes its TCP connect on the thread-default context, so it only
 * works when both are the same.  This function therefore iterates the
 * global default context (sources of the caller attached there may be
 * dispatched meanwhile) and must be called from the thread that can
 * acquire it, with no other thread-default context pushed.  Nothing it
 * created is left attached to the context when it returns.
 *
 * Duration: normally at most timeout_ms plus a few iterations of cleanup.
 * If the timeout hits while the TCP connect itself is still pending
 * (filtered port, slow DNS), the call waits for spice-client-glib's own
 * connect to finish (it has a fixed 10 s socket timeout and cannot be
 * cancelled): tearing the session down before that makes the library
 * carry on with a cleared session (GLib criticals, then a hang).
 *
 * Logging: spice-client-glib reports some failures (the OpenSSL reason of a
 * TLS error, a certificate mismatch, a SASL negotiation failure) with
 * g_warning()/g_critical() in the "GSpice" and "Spice" log domains; callers
 * that must keep stderr clean, or that run with fatal warnings (GTest does),
 * have to install handlers for those domains.
 */
gboolean vsa_probe_console (const VsaProbeRequest *req,
                            VsaProbeOutcome       *ret_outcome,
                            char                 **ret_detail,
                            GError               **error);

/* "opened", "auth-refused", "tls-error", "connect-error" */
const char *vsa_probe_outcome_to_string (VsaProbeOutcome outcome);
/* The reverse: FALSE for a name that is none of those. */
gboolean vsa_probe_outcome_from_string (const char      *name,
                                        VsaProbeOutcome *ret_outcome);

/*
 * Maps a non-OPENED outcome to VSA_ERROR_PROBE_AUTH / _TLS / _CONNECT with
 * @detail as message, so a command can turn it into its exit status with
 * vsa_error_exit_status().  Returns TRUE (and leaves @error alone) for
 * VSA_PROBE_OPENED.
 */
gboolean vsa_probe_outcome_to_error (VsaProbeOutcome outcome,
                                     const char     *detail,
                                     GError        **error);

G_END_DECLS
