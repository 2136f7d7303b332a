/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define VSA_ERROR (vsa_error_quark ())
GQuark vsa_error_quark (void);

/* Each code maps to one process exit status (see vsa_error_exit_status()),
 * so scripts can tell a usage mistake from a refused operation. */
typedef enum {
  VSA_ERROR_FAILED = 1,        /* generic failure: exit 1 */
  VSA_ERROR_USAGE,             /* bad command line: exit 2 */
  VSA_ERROR_INVALID,           /* bad input value (name, port, duration...): exit 1 */
  VSA_ERROR_NOT_FOUND,         /* unknown VM, file...: exit 1 */
  VSA_ERROR_CONFLICT,          /* port taken, already exists...: exit 1 */
  VSA_ERROR_CONFIG,            /* bad config file: exit 1 */
  VSA_ERROR_LIBVIRT,           /* libvirt call failed: exit 1 */
  VSA_ERROR_INSECURE,          /* policy violated (hook refusal): exit 1 */
  VSA_ERROR_PROBE_AUTH,        /* probe: authentication refused: exit 3 */
  VSA_ERROR_PROBE_TLS,         /* probe: TLS error: exit 4 */
  VSA_ERROR_PROBE_CONNECT,     /* probe: connection refused / timeout: exit 5 */
  VSA_ERROR_UNCONFIRMED,       /* a change libvirt neither confirmed nor can be seen: exit 1 */
} VsaErrorCode;

int vsa_error_exit_status (const GError *error);

G_END_DECLS
