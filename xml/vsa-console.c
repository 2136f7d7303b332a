/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "vsa-console.h"
#include "vsa-address.h"
#include "vsa-error.h"
#include "vsa-qemu.h"
#include "vsa-spice.h"

#include <string.h>

void
vsa_console_result_clear (VsaConsoleResult *result)
{
  g_clear_pointer (&result->listen, g_free);
}

/* Keep a specific address the admin chose before; never inherit a
 * network listen or a wildcard (all addresses). */
static char *
choose_listen (const VsaConsoleSpec *spec, const VsaSpiceInfo *before)
{
  if (spec->listen)
    return g_strdup (spec->listen);
  if (g_strcmp0 (before->listen_type, "address") == 0 && before->listen &&
      !vsa_listen_is_wildcard (before->listen))
    return g_strdup (before->listen);
  return g_strdup (spec->default_listen);
}

static gboolean
has_current_password (const VsaConsoleSpec *spec, const VsaSpiceInfo *before)
{
  if (before->password == NULL || *before->password == '\0')
    return FALSE;
  /* libvirt writes passwdValidTo as YYYY-MM-DDTHH:MM:SS (UTC): fixed
   * width, so the text order is the time order. */
  return spec->expired_before == NULL || before->password_valid_to == NULL ||
         strcmp (before->password_valid_to, spec->expired_before) >= 0;
}

static gboolean
set_new_password (xmlDoc *doc, const VsaConsoleSpec *spec, VsaConsoleResult *result,
                  GError **error)
{
  g_return_val_if_fail (spec->new_password != NULL, FALSE);
  result->password_changed = TRUE;
  result->new_password_used = TRUE;
  return vsa_spice_set_password (doc, spec->new_password, spec->valid_to, spec->connected, error);
}

static gboolean
keep_password (xmlDoc *doc, const VsaConsoleSpec *spec, const VsaSpiceInfo *before,
               GError **error)
{
  return vsa_spice_set_password (doc, before->password,
                                 spec->renew_valid_to ? spec->valid_to : before->password_valid_to,
                                 spec->connected, error);
}

static gboolean
remove_password (xmlDoc *doc, const VsaSpiceInfo *before, VsaConsoleResult *result,
                 GError **error)
{
  result->password_changed = before->password && *before->password;
  return vsa_spice_set_password (doc, NULL, NULL, NULL, error);
}

static gboolean
converge_password (xmlDoc *doc, const VsaConsoleSpec *spec, const VsaSpiceInfo *before,
                   VsaConsoleResult *result, GError **error)
{
  gboolean current = has_current_password (spec, before);

  if (result->auth == VSA_AUTH_SASL)
    {
      if (spec->password == VSA_PASSWORD_NEW)
        {
          g_set_error (error, VSA_ERROR, VSA_ERROR_INVALID,
                       "this VM uses SASL: its users log in with their own credentials "
                       "(see 'assign'); drop --password");
          return FALSE;
        }
      return remove_password (doc, before, result, error);
    }
  switch (spec->password)
    {
    case VSA_PASSWORD_NONE:
      return remove_password (doc, before, result, error);
    case VSA_PASSWORD_KEEP:
      return before->password && *before->password ? keep_password (doc, spec, before, error) : TRUE;
    case VSA_PASSWORD_KEEP_OR_NEW:
      return current ? keep_password (doc, spec, before, error)
                     : set_new_password (doc, spec, result, error);
    case VSA_PASSWORD_NEW:
      return set_new_password (doc, spec, result, error);
    }
  g_assert_not_reached ();
}

/* sasl mode points qemu at the VM's own SASL configuration; password mode
 * drops a binding left from an earlier sasl mode. */
static gboolean
converge_sasl_binding (xmlDoc *doc, VsaPolicy *policy, const VsaConsoleSpec *spec,
                       GError **error)
{
  if (policy->auth == VSA_AUTH_SASL)
    {
      g_return_val_if_fail (spec->sasl_dir != NULL, FALSE);
      return vsa_policy_bind_sasl (doc, policy, spec->sasl_dir, error);
    }
  return vsa_policy_unbind_sasl (doc, policy, error);
}

/* *POLICY (made with spec->auth when NULL: the VM becomes managed) gets
 * the mode and the SASL binding; the caller writes it to the domain. */
gboolean
vsa_console_converge (xmlDoc *doc, VsaPolicy **policy, const VsaConsoleSpec *spec,
                      VsaConsoleResult *ret_result, GError **error)
{
  g_auto (VsaSpiceInfo) before = { 0 };
  VsaSpiceSecureOptions opts = { 0 };

  memset (ret_result, 0, sizeof *ret_result);
  if (!vsa_spice_describe (doc, &before, error))
    return FALSE;
  if (*policy == NULL)
    *policy = vsa_policy_new (spec->auth);
  if (spec->set_auth)
    (*policy)->auth = spec->auth;
  ret_result->auth = (*policy)->auth;

  if (!vsa_tls_port_choose (spec->requested_port, before.tls_port, spec->port_min,
                            spec->port_max, spec->used_ports, &ret_result->tls_port, error))
    return FALSE;
  ret_result->listen = choose_listen (spec, &before);
  opts.tls_port = ret_result->tls_port;
  opts.listen = ret_result->listen;
  opts.compression = spec->compression;
  opts.replace_vnc = spec->replace_vnc;
  if (!vsa_spice_make_secure (doc, &opts, error) ||
      !converge_password (doc, spec, &before, ret_result, error) ||
      !converge_sasl_binding (doc, *policy, spec, error))
    return FALSE;
  return TRUE;
}
