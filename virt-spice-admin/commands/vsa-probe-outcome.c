/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The probe's outcomes by name: the helper prints one, the CLI reads it
 * back and turns it into its exit status. */
#include "vsa-probe.h"

#include "vsa-error.h"

const char *
vsa_probe_outcome_to_string (VsaProbeOutcome outcome)
{
  switch (outcome)
    {
    case VSA_PROBE_OPENED:
      return "opened";
    case VSA_PROBE_AUTH_REFUSED:
      return "auth-refused";
    case VSA_PROBE_TLS_ERROR:
      return "tls-error";
    case VSA_PROBE_CONNECT_ERROR:
      return "connect-error";
    default:
      return "unknown";
    }
}

gboolean
vsa_probe_outcome_to_error (VsaProbeOutcome outcome,
                            const char     *detail,
                            GError        **error)
{
  VsaErrorCode code;

  switch (outcome)
    {
    case VSA_PROBE_OPENED:
      return TRUE;
    case VSA_PROBE_AUTH_REFUSED:
      code = VSA_ERROR_PROBE_AUTH;
      break;
    case VSA_PROBE_TLS_ERROR:
      code = VSA_ERROR_PROBE_TLS;
      break;
    case VSA_PROBE_CONNECT_ERROR:
    default:
      code = VSA_ERROR_PROBE_CONNECT;
      break;
    }

  g_set_error_literal (error, VSA_ERROR, code,
                       detail != NULL ? detail
                                      : vsa_probe_outcome_to_string (outcome));
  return FALSE;
}

gboolean
vsa_probe_outcome_from_string (const char *name, VsaProbeOutcome *ret_outcome)
{
  for (VsaProbeOutcome o = VSA_PROBE_OPENED; o <= VSA_PROBE_CONNECT_ERROR; o++)
    if (g_strcmp0 (name, vsa_probe_outcome_to_string (o)) == 0)
      {
        *ret_outcome = o;
        return TRUE;
      }
  return FALSE;
}
