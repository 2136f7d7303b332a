/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* `setup`: a fresh host made ready for TLS-only SPICE, idempotently.
 *   1. the SPICE PKI in libvirt's spice_tls_x509_cert_dir: made when none
 *      exists, otherwise kept and checked (chain, expiry, names, key);
 *   2. qemu.conf's spice_tls, spice_tls_x509_cert_dir (and spice_sasl in
 *      SASL mode), edited in place, the old file backed up;
 *   3. the host configuration file, when missing, from the annotated
 *      example with the chosen values.
 * Everything is decided before anything is written, so a refusal changes
 * nothing.  libvirtd is never restarted: one line says it must be. */
#include "vsa-cli.h"
#include "vsa-commands.h"
#include "vsa-conf-lines.h"
#include "vsa-diff.h"
#include "vsa-error.h"
#include "vsa-file.h"
#include "vsa-libvirt-conf.h"
#include "vsa-pki.h"

#include <errno.h>
#include <grp.h>
#include <string.h>
#include <sys/stat.h>

extern const char vsa_example_config_text[];

/* qemu.conf's own default for spice_tls_x509_cert_dir is its
 * default_tls_x509_cert_dir (/etc/pki/qemu); the directory our
 * configuration names (server-cert's) is the one `setup` fills. */
typedef struct {
  char *cert_dir;
  char *ca_key_path;
  GStrv sans;
  gid_t qemu_gid;
  VsaAuthMode auth;
  gboolean make_pki;
  char *qemu_conf_old;  /* NULL when the file needs no change */
  char *qemu_conf_new;
  char *config_path;
  char *config_new;     /* NULL when the file exists */
} SetupPlan;

static void
setup_plan_clear (SetupPlan *plan)
{
  g_free (plan->cert_dir);
  g_free (plan->ca_key_path);
  g_strfreev (plan->sans);
  g_free (plan->qemu_conf_old);
  g_free (plan->qemu_conf_new);
  g_free (plan->config_path);
  g_free (plan->config_new);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (SetupPlan, setup_plan_clear)

/* The addresses and names the server certificate must carry: every
 * listen address clients use (wildcards name no one), the host name, and
 * the configured server-name. */
static GStrv
wanted_names (const VsaConfig *config, char **listen)
{
  g_autoptr (GStrvBuilder) b = g_strv_builder_new ();
  g_autoptr (GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  const char *fallback[] = { config->listen, NULL };
  const char *names[] = { g_get_host_name (), config->server_name, NULL };

  for (char **l = listen && *listen ? listen : (char **) fallback; *l; l++)
    if (!vsa_listen_is_wildcard (*l) && g_hash_table_add (seen, *l))
      g_strv_builder_add (b, *l);
  for (guint i = 0; names[i]; i++)
    if (g_hash_table_add (seen, (gpointer) names[i]))
      g_strv_builder_add (b, names[i]);
  return g_strv_builder_end (b);
}

static gboolean
plan_pki (VsaContext *ctx, SetupPlan *plan, GError **error)
{
  VsaPkiRequest req = { plan->cert_dir, plan->ca_key_path, g_get_host_name (), plan->sans,
                        plan->qemu_gid, VSA_PKI_DAYS };
  guint present = vsa_pki_count_present (plan->cert_dir);
  g_autoptr (GPtrArray) problems = NULL;
  g_autoptr (GString) text = g_string_new (NULL);

  if (present == 0)
    {
      plan->make_pki = TRUE;
      return TRUE;
    }
  if (present < VSA_PKI_N_FILES)
    return g_set_error (error, VSA_ERROR, VSA_ERROR_CONFLICT,
                        "the SPICE PKI in %s is incomplete (it needs ca-cert.pem, server-cert.pem "
                        "and server-key.pem): complete it or move it away, then run setup again",
                        plan->cert_dir), FALSE;
  problems = vsa_pki_check (&req);
  for (guint i = 0; i < problems->len; i++)
    g_string_append_printf (text, "%s%s", i ? "; " : "", (char *) g_ptr_array_index (problems, i));
  if (problems->len)
    return g_set_error (error, VSA_ERROR, VSA_ERROR_CONFLICT,
                        "the SPICE PKI in %s is kept but does not fit: %s", plan->cert_dir,
                        text->str), FALSE;
  return TRUE;
}

static gboolean
plan_qemu_conf (VsaContext *ctx, SetupPlan *plan, VsaAuthMode auth, GError **error)
{
  g_autofree char *text = NULL;
  g_autofree char *dir_value = NULL;
  g_autoptr (GError) local_error = NULL;
  const char *path = ctx->config->libvirt_qemu_conf;
  gboolean changed;

  if (!vsa_file_read_bounded (path, "libvirt's qemu.conf", VSA_FILE_TEXT_MAX, &text, NULL, &local_error))
    return g_set_error (error, VSA_ERROR, VSA_ERROR_NOT_FOUND,
                        "%s: install libvirt-daemon-system or set libvirt-qemu-conf",
                        local_error->message), FALSE;
  plan->qemu_conf_new = g_strdup (text);
  dir_value = vsa_conf_lines_quote (plan->cert_dir);
  changed = vsa_conf_lines_set (&plan->qemu_conf_new, "spice_tls", "1");
  changed |= vsa_conf_lines_set (&plan->qemu_conf_new, "spice_tls_x509_cert_dir", dir_value);
  if (auth == VSA_AUTH_SASL)
    changed |= vsa_conf_lines_set (&plan->qemu_conf_new, "spice_sasl", "1");
  if (changed)
    plan->qemu_conf_old = g_steal_pointer (&text);
  else
    g_clear_pointer (&plan->qemu_conf_new, g_free);
  return TRUE;
}

static void
plan_host_config (VsaContext *ctx, SetupPlan *plan, char **listen, VsaAuthMode auth)
{
  const char *env = g_getenv (VSA_CONFIG_ENV);
  g_autofree char *ca = g_build_filename (plan->cert_dir, "ca-cert.pem", NULL);
  g_autofree char *cert = g_build_filename (plan->cert_dir, "server-cert.pem", NULL);

  plan->config_path = g_strdup (ctx->config_path ? ctx->config_path
                                                 : (env && *env ? env : VSA_CONFIG_DEFAULT_PATH));
  if (g_file_test (plan->config_path, G_FILE_TEST_EXISTS))
    return;
  plan->config_new = g_strdup (vsa_example_config_text);
  if (listen && listen[0])
    vsa_conf_lines_set (&plan->config_new, "listen", listen[0]);
  vsa_conf_lines_set (&plan->config_new, "auth-mode", vsa_auth_mode_to_string (auth));
  vsa_conf_lines_set (&plan->config_new, "ca-file", ca);
  vsa_conf_lines_set (&plan->config_new, "server-cert", cert);
}

static gboolean
make_plan (VsaContext *ctx, char **listen, VsaAuthMode auth, SetupPlan *plan, GError **error)
{
  struct group *gr = getgrnam (ctx->config->qemu_group);

  if (gr == NULL)
    return g_set_error (error, VSA_ERROR, VSA_ERROR_CONFIG,
                        "group '%s' (qemu-group) does not exist: install libvirt-daemon-system "
                        "or set qemu-group", ctx->config->qemu_group), FALSE;
  plan->qemu_gid = gr->gr_gid;
  plan->auth = auth;
  plan->cert_dir = vsa_libvirt_conf_value (ctx->config->libvirt_qemu_conf, "spice_tls_x509_cert_dir");
  if (plan->cert_dir == NULL)
    plan->cert_dir = g_path_get_dirname (ctx->config->server_cert);
  plan->ca_key_path = g_build_filename (ctx->config->state_dir, "pki", "ca-key.pem", NULL);
  plan->sans = wanted_names (ctx->config, listen);
  if (!plan_pki (ctx, plan, error) || !plan_qemu_conf (ctx, plan, auth, error))
    return FALSE;
  plan_host_config (ctx, plan, listen, auth);
  return TRUE;
}

static gboolean
print_dry_run (VsaContext *ctx, const SetupPlan *plan, GError **error)
{
  g_autofree char *names = g_strjoinv (", ", plan->sans);

  if (plan->make_pki)
    fprintf (ctx->out, "would make the SPICE PKI in %s (a CA; a server certificate for %s)\n",
             plan->cert_dir, names);
  if (plan->qemu_conf_new)
    {
      g_autofree char *diff = vsa_unified_diff (plan->qemu_conf_old, plan->qemu_conf_new,
                                                ctx->config->libvirt_qemu_conf,
                                                ctx->config->libvirt_qemu_conf, error);
      if (diff == NULL)
        return FALSE;
      fputs (diff, ctx->out);
    }
  if (plan->config_new)
    {
      g_autofree char *diff = vsa_unified_diff ("", plan->config_new, "/dev/null", plan->config_path, error);
      if (diff == NULL)
        return FALSE;
      fputs (diff, ctx->out);
    }
  return TRUE;
}

static gboolean
write_qemu_conf (VsaContext *ctx, const SetupPlan *plan, char **ret_backup, GError **error)
{
  const char *path = ctx->config->libvirt_qemu_conf;
  g_autofree char *dir = g_build_filename (ctx->config->state_dir, "backups", "qemu.conf", NULL);
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *stamp = g_date_time_format (now, "%Y%m%dT%H%M%S");
  g_autofree char *file = g_strdup_printf ("%s.%06d.conf", stamp, g_date_time_get_microsecond (now));
  g_autofree char *backup = g_build_filename (dir, file, NULL);
  struct stat st;

  if (stat (path, &st) != 0)
    return g_set_error (error, VSA_ERROR, VSA_ERROR_FAILED, "cannot stat %s: %s", path,
                        g_strerror (errno)), FALSE;
  if (!vsa_dir_ensure (dir, 0700, error) ||
      !vsa_file_write_atomic (backup, plan->qemu_conf_old, strlen (plan->qemu_conf_old), 0600, error) ||
      !vsa_file_write_atomic_owned (path, plan->qemu_conf_new, strlen (plan->qemu_conf_new),
                                    st.st_mode & 07777, st.st_uid, st.st_gid, error))
    return FALSE;
  *ret_backup = g_steal_pointer (&backup);
  return TRUE;
}

static gboolean
carry_out (VsaContext *ctx, const SetupPlan *plan, GError **error)
{
  VsaPkiRequest req = { plan->cert_dir, plan->ca_key_path, g_get_host_name (), plan->sans,
                        plan->qemu_gid, VSA_PKI_DAYS };
  g_autofree char *names = g_strjoinv (", ", plan->sans);

  if (plan->make_pki)
    {
      if (!vsa_pki_create (&req, error))
        return FALSE;
      fprintf (ctx->out, "made the SPICE PKI in %s: a CA and a server certificate for %s "
               "(key root:%s 0640; the CA key is %s)\n", plan->cert_dir, names,
               ctx->config->qemu_group, plan->ca_key_path);
    }
  if (plan->qemu_conf_new)
    {
      g_autofree char *backup = NULL;

      if (!write_qemu_conf (ctx, plan, &backup, error))
        return FALSE;
      fprintf (ctx->out, "set spice_tls, spice_tls_x509_cert_dir%s in %s (the old file is %s)\n",
               plan->auth == VSA_AUTH_SASL ? ", spice_sasl" : "",
               ctx->config->libvirt_qemu_conf, backup);
    }
  if (plan->config_new)
    {
      g_autofree char *dir = g_path_get_dirname (plan->config_path);

      if (!vsa_dir_ensure (dir, 0755, error) ||
          !vsa_file_write_atomic (plan->config_path, plan->config_new, strlen (plan->config_new),
                                  0644, error))
        return FALSE;
      fprintf (ctx->out, "wrote %s from the annotated example\n", plan->config_path);
    }
  return TRUE;
}

static gboolean
run_setup (VsaContext *ctx, VsaInvocation *inv, GError **error)
{
  char **listen = vsa_invocation_strings (inv, "listen");
  const char *auth_text = vsa_invocation_string (inv, "auth-mode");
  g_auto (SetupPlan) plan = { 0 };
  VsaAuthMode auth = ctx->config->auth_mode;

  if (auth_text && !vsa_auth_mode_from_string (auth_text, &auth, error))
    return FALSE;
  for (guint i = 0; listen && listen[i]; i++)
    if (!vsa_validate_listen_address (listen[i], error))
      return FALSE;
  if (!make_plan (ctx, listen, auth, &plan, error))
    return FALSE;
  if (!plan.make_pki && !plan.qemu_conf_new && !plan.config_new)
    {
      fprintf (ctx->out, "nothing to do: the SPICE PKI in %s fits, %s and %s are set up\n",
               plan.cert_dir, ctx->config->libvirt_qemu_conf, plan.config_path);
      return TRUE;
    }
  if (ctx->dry_run)
    return print_dry_run (ctx, &plan, error);
  if (!carry_out (ctx, &plan, error))
    return FALSE;
  if (plan.make_pki || plan.qemu_conf_new)
    fprintf (ctx->out, "libvirtd must be restarted once to use them: systemctl restart libvirtd\n");
  return TRUE;
}

static const GOptionEntry setup_options[] = {
  { "listen", 0, 0, G_OPTION_ARG_STRING_ARRAY, NULL,
    "An address SPICE listens on (repeatable); the certificate names each", "ADDR" },
  VSA_OPTION (STRING, "auth-mode", "MODE", "password (default) or sasl"),
  VSA_OPTION_END
};

const VsaCommand vsa_command_setup = VSA_COMMAND_LEAF ("setup", run_setup, "", 0, 0, VSA_COMMAND_PLAIN, setup_options,
  "Make a fresh host ready: SPICE PKI, qemu.conf, configuration",
  "Makes a fresh host ready for TLS-only SPICE: a CA and server certificate\n"
  "in libvirt's spice_tls_x509_cert_dir (an existing PKI is kept and checked),\n"
  "the spice_tls lines of qemu.conf (old file backed up), and the host\n"
  "configuration file when missing.  A second run has nothing to do.\n"
  "It never restarts libvirtd; it says when that is needed.");
