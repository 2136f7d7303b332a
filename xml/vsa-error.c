/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "vsa-error.h"

G_DEFINE_QUARK (vsa-error-quark, vsa_error)

int
vsa_error_exit_status (const GError *error)
{
  if (error == NULL)
    return 0;
  if (error->domain == G_OPTION_ERROR)
    return 2;
  if (error->domain != VSA_ERROR)
    return 1;
  switch ((VsaErrorCode) error->code)
    {
    case VSA_ERROR_USAGE:
      return 2;
    case VSA_ERROR_PROBE_AUTH:
      return 3;
    case VSA_ERROR_PROBE_TLS:
      return 4;
    case VSA_ERROR_PROBE_CONNECT:
      return 5;
    default:
      return 1;
    }
}
