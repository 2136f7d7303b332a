/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Golden-file tests of every domain-XML transform: tests/data/TRANSFORM/
 * CASE.in.xml goes through the transform and must equal CASE.out.xml;
 * the transform applied to CASE.out.xml must change nothing (idempotence).
 * One DO_TEST line per case. */
#include "vsa-console.h"
#include "vsa-disk.h"
#include "vsa-audit.h"
#include "vsa-error.h"
#include "vsa-policy.h"
#include "vsa-qemu.h"
#include "vsa-spice.h"
#include "vsa-test-util.h"
#include "vsa-xml.h"

#include <string.h>

typedef gboolean (*Transform) (xmlDoc *doc, gconstpointer params, GError **error);

typedef struct {
  const char *transform;
  const char *name;
  Transform fn;
  gconstpointer params;
  int expected_error; /* 0: must succeed */
} GoldenCase;

static char *
apply (const GoldenCase *tc, const char *path, GError **error)
{
  g_autofree char *input = vsa_test_read (path);
  g_autoptr (xmlDoc) doc = vsa_xml_parse (input, strlen (input), path, error);

  if (doc == NULL || !tc->fn (doc, tc->params, error))
    return NULL;
  return vsa_xml_serialize (doc);
}

static void
run_golden (gconstpointer data)
{
  const GoldenCase *tc = data;
  g_autofree char *in_path = vsa_test_case_path (tc->transform, tc->name, ".in.xml");
  g_autofree char *out_path = vsa_test_case_path (tc->transform, tc->name, ".out.xml");
  g_autoptr (GError) error = NULL;
  g_autofree char *actual = apply (tc, in_path, &error);
  g_autofree char *again = NULL;

  if (tc->expected_error)
    {
      g_assert_error (error, VSA_ERROR, tc->expected_error);
      g_assert_null (actual);
      return;
    }
  g_assert_no_error (error);
  vsa_test_assert_golden (actual, out_path);

  again = apply (tc, out_path, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (again, ==, actual);
}

/* The transforms that change the policy leave writing it to the caller (the
 * CLI's edit transaction); here, after each one that succeeded. */
static gboolean
write_policy (xmlDoc *doc, const VsaPolicy *policy)
{
  if (policy != NULL)
    vsa_policy_to_domain (doc, policy);
  return TRUE;
}

/* --- secure ------------------------------------------------------------ */

typedef struct {
  VsaSpiceSecureOptions opts;
} SecureParams;

static gboolean
secure (xmlDoc *doc, gconstpointer params, GError **error)
{
  const SecureParams *p = params;

  return vsa_spice_make_secure (doc, &p->opts, error) &&
         vsa_policy_ensure (doc, VSA_AUTH_PASSWORD, error);
}

static const SecureParams secure_default = { { 20001, "127.0.0.1", NULL, FALSE } };
static const SecureParams secure_lan = { { 20002, "192.168.2.10", NULL, FALSE } };
static const SecureParams secure_v6 = { { 20999, "::1", NULL, FALSE } };
static const SecureParams secure_replace_vnc = { { 20003, "127.0.0.1", NULL, TRUE } };
static const SecureParams secure_glz = { { 20001, "127.0.0.1", "auto_glz", FALSE } };

/* --- console (secure and apply) -------------------------------------- */

typedef struct {
  VsaConsoleSpec spec;       /* used_ports is filled from used[] */
  int used[4];               /* ports other domains use, 0-terminated */
} ConsoleParams;

static gboolean
console (xmlDoc *doc, gconstpointer params, GError **error)
{
  const ConsoleParams *p = params;
  g_autoptr (GHashTable) used = g_hash_table_new_full (NULL, NULL, NULL, g_free);
  g_auto (VsaConsoleResult) result = { 0 };
  VsaConsoleSpec spec = p->spec;
  g_autoptr (VsaPolicy) policy = NULL;

  if (!vsa_policy_from_domain (doc, &policy, error))
    return FALSE;
  for (gsize i = 0; i < G_N_ELEMENTS (p->used) && p->used[i]; i++)
    g_hash_table_insert (used, GINT_TO_POINTER (p->used[i]), g_strdup ("other"));
  spec.used_ports = used;
  return vsa_console_converge (doc, &policy, &spec, &result, error) && write_policy (doc, policy);
}

/* What `apply` asks for: the manifest's mode, a password generated for a
 * VM without a current one, expired ones replaced. */
#define APPLY_SPEC_FULL(mode, action)                                               \
  .set_auth = TRUE, .auth = mode, .port_min = 20001, .port_max = 20999,             \
  .default_listen = "127.0.0.1", .password = action,                                \
  .new_password = "Gen3rated-Pw-000000000001", .valid_to = "2026-07-01T00:00:00",   \
  .expired_before = "2025-01-01T00:00:00", .connected = "keep",                     \
  .sasl_dir = "/etc/virt-spice-admin/sasl/vm"
#define APPLY_SPEC(mode) APPLY_SPEC_FULL (mode, VSA_PASSWORD_KEEP_OR_NEW)
static const ConsoleParams console_password = { { APPLY_SPEC (VSA_AUTH_PASSWORD) }, { 0 } };
static const ConsoleParams console_sasl = { { APPLY_SPEC (VSA_AUTH_SASL) }, { 0 } };
static const ConsoleParams console_port_taken = { { APPLY_SPEC (VSA_AUTH_PASSWORD) }, { 20001, 0 } };
static const ConsoleParams console_sasl_new_password = {
  { APPLY_SPEC_FULL (VSA_AUTH_SASL, VSA_PASSWORD_NEW) }, { 0 }
};

/* --- password ---------------------------------------------------------- */

typedef struct {
  const char *password;
  const char *valid_to;
  const char *connected;
} PasswordParams;

static gboolean
password (xmlDoc *doc, gconstpointer params, GError **error)
{
  const PasswordParams *p = params;

  return vsa_spice_set_password (doc, p->password, p->valid_to, p->connected, error);
}

static const PasswordParams pw_expiring = { "Xq7vT2mK9pL4sR8wZ3nB6cD1", "2026-12-24T18:00:00", NULL };
static const PasswordParams pw_plain = { "n3w-Secret_2026", NULL, NULL };
static const PasswordParams pw_remove = { NULL, NULL, NULL };
static const PasswordParams pw_keep_sessions = { "Xq7vT2mK9pL4sR8wZ3nB6cD1", NULL, "keep" };
static const PasswordParams pw_space = { "two words", NULL, NULL };

/* --- qemu:commandline -------------------------------------------------- */

typedef struct {
  gboolean remove;
  const char *const *args;
} QemuArgParams;

static gboolean
qemu_arg (xmlDoc *doc, gconstpointer params, GError **error)
{
  const QemuArgParams *p = params;

  return p->remove ? vsa_qemu_args_remove (doc, p->args, error)
                   : vsa_qemu_args_add (doc, p->args, error);
}

static const char *const rng_device[] = { "-device", "virtio-rng-pci", NULL };
static const QemuArgParams add_rng = { FALSE, rng_device };
static const QemuArgParams remove_rng = { TRUE, rng_device };

typedef struct {
  const char *name;
  const char *value;
  gboolean unset;
} QemuEnvParams;

static gboolean
qemu_env (xmlDoc *doc, gconstpointer params, GError **error)
{
  const QemuEnvParams *p = params;

  return p->unset ? vsa_qemu_env_unset (doc, p->name, error)
                  : vsa_qemu_env_set (doc, p->name, p->value, error);
}

static const QemuEnvParams set_sasl = { "SASL_CONF_PATH", "/etc/virt-spice-admin/sasl/vm", FALSE };
static const QemuEnvParams unset_sasl = { "SASL_CONF_PATH", NULL, TRUE };
static const QemuEnvParams set_bad_name = { "BAD-NAME", "x", FALSE };

/* --- volume attach / detach ------------------------------------------- */

typedef struct {
  VsaVolume volume;
  const char *target; /* NULL: first free vdX */
} AttachParams;

static gboolean
volume_attach (xmlDoc *doc, gconstpointer params, GError **error)
{
  const AttachParams *p = params;

  g_autoptr (VsaPolicy) policy = NULL;

  if (!vsa_policy_from_domain (doc, &policy, error))
    return FALSE;
  return vsa_disk_attach_volume (doc, &policy, &p->volume, p->target, VSA_AUTH_PASSWORD, error) &&
         write_policy (doc, policy);
}

static gboolean
volume_detach (xmlDoc *doc, gconstpointer params, GError **error)
{
  g_autoptr (VsaPolicy) policy = NULL;

  if (!vsa_policy_from_domain (doc, &policy, error))
    return FALSE;
  return vsa_disk_detach_volume (doc, policy, params, error) && write_policy (doc, policy);
}

#define IMAP_VOLUME { "volgrp4/lvimap_hd0", "cr_imap_encr", "/etc/virt-spice-admin/keys/volgrp4/lvimap_hd0.key" }
static const AttachParams attach_imap = { IMAP_VOLUME, NULL };
static const AttachParams attach_imap_vdc = { IMAP_VOLUME, "vdc" };
static const AttachParams attach_imap_vda = { IMAP_VOLUME, "vda" };
static const AttachParams attach_imap_token0 = {
  { "volgrp4/lvimap_hd0", "cr_imap_encr", NULL, "0" }, NULL
};
static const AttachParams attach_imap_any_token = {
  { "volgrp4/lvimap_hd0", "cr_imap_encr", NULL, "any" }, NULL
};
static const AttachParams attach_imap_token_and_keyfile = {
  { "volgrp4/lvimap_hd0", "cr_imap_encr", "/etc/virt-spice-admin/keys/volgrp4/lvimap_hd0.key", "0" }, NULL
};
static const AttachParams attach_archive = {
  { "volgrp4/lvarchive", "cr_archive", "/etc/virt-spice-admin/keys/volgrp4/lvarchive.key" }, NULL
};

/* --- audit: CASE.in.xml -> CASE.out.txt, one finding per line ---------- */

typedef struct {
  const char *name;
  gboolean libvirt_sasl;
  gboolean firewall;
} AuditCase;

static void
run_audit_golden (gconstpointer data)
{
  const AuditCase *tc = data;
  g_autofree char *in_path = vsa_test_case_path ("audit", tc->name, ".in.xml");
  g_autofree char *out_path = vsa_test_case_path ("audit", tc->name, ".out.txt");
  g_autofree char *input = vsa_test_read (in_path);
  g_autoptr (xmlDoc) doc = vsa_xml_parse (input, strlen (input), in_path, NULL);
  g_autoptr (GPtrArray) findings = g_ptr_array_new_with_free_func ((GDestroyNotify) vsa_finding_free);
  g_autoptr (GDateTime) now = g_date_time_new_utc (2026, 1, 1, 0, 0, 0);
  g_autoptr (GString) text = g_string_new (NULL);
  static const VsaNetworkBounds bounds = { 8, 32 };
  VsaAuditSettings settings = { "127.0.0.1", tc->libvirt_sasl, now, 7 * 24 * 3600, tc->firewall,
                                &bounds };

  g_assert_nonnull (doc);
  vsa_audit_domain (tc->name, doc, &settings, findings);
  for (guint i = 0; i < findings->len; i++)
    {
      VsaFinding *f = g_ptr_array_index (findings, i);
      g_string_append_printf (text, "%s %s %s: %s | fix: %s\n", f->id,
                              vsa_severity_to_string (f->severity), f->object, f->message, f->fix);
    }
  vsa_test_assert_golden (text->str, out_path);
}

#define DO_TEST_AUDIT_FULL(name, sasl, firewall)                                      \
  do {                                                                                \
    static const AuditCase tc = { name, sasl, firewall };                             \
    g_test_add_data_func ("/golden/audit/" name, &tc, run_audit_golden);              \
  } while (0)
#define DO_TEST_AUDIT(name, sasl) DO_TEST_AUDIT_FULL (name, sasl, FALSE)
#define DO_TEST_AUDIT_FIREWALL(name) DO_TEST_AUDIT_FULL (name, FALSE, TRUE)

#define DO_TEST_FULL(transform, name, fn, params, err)                                \
  do {                                                                                \
    static const GoldenCase tc = { transform, name, fn, params, err };                \
    g_test_add_data_func ("/golden/" transform "/" name, &tc, run_golden);            \
  } while (0)
#define DO_TEST_SECURE(name, params) DO_TEST_FULL ("secure", name, secure, params, 0)
#define DO_TEST_SECURE_FAIL(name, params, err) DO_TEST_FULL ("secure", name, secure, params, err)
#define DO_TEST_CONSOLE(name, params) DO_TEST_FULL ("console", name, console, params, 0)
#define DO_TEST_CONSOLE_FAIL(name, params, err) DO_TEST_FULL ("console", name, console, params, err)
#define DO_TEST_PASSWORD(name, params) DO_TEST_FULL ("password", name, password, params, 0)
#define DO_TEST_PASSWORD_FAIL(name, params, err) DO_TEST_FULL ("password", name, password, params, err)
#define DO_TEST_ATTACH(name, params) DO_TEST_FULL ("volume-attach", name, volume_attach, params, 0)
#define DO_TEST_ATTACH_FAIL(name, params, err) DO_TEST_FULL ("volume-attach", name, volume_attach, params, err)
#define DO_TEST_DETACH(name, mapping) DO_TEST_FULL ("volume-detach", name, volume_detach, mapping, 0)
#define DO_TEST_QEMU_ARG(name, params) DO_TEST_FULL ("qemu-arg", name, qemu_arg, params, 0)
#define DO_TEST_QEMU_ENV(name, params) DO_TEST_FULL ("qemu-env", name, qemu_env, params, 0)
#define DO_TEST_QEMU_ENV_FAIL(name, params, err) DO_TEST_FULL ("qemu-env", name, qemu_env, params, err)

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  DO_TEST_SECURE ("plain-port-tls", &secure_lan);
  DO_TEST_SECURE ("autoport-yes", &secure_default);
  DO_TEST_SECURE ("no-graphics", &secure_default);
  DO_TEST_SECURE ("no-graphics-has-video", &secure_default);
  DO_TEST_SECURE ("vnc-replaced", &secure_replace_vnc);
  DO_TEST_SECURE_FAIL ("vnc-refused", &secure_default, VSA_ERROR_CONFLICT);
  DO_TEST_SECURE ("listen-network", &secure_default);
  DO_TEST_SECURE ("listen-attribute", &secure_v6);
  DO_TEST_SECURE ("qemu-namespace-metadata", &secure_default);
  DO_TEST_SECURE ("comments", &secure_default);
  DO_TEST_SECURE ("insecure-channel", &secure_default);
  DO_TEST_SECURE ("compression", &secure_glz);
  DO_TEST_SECURE ("existing-password-kept", &secure_default);
  DO_TEST_SECURE ("existing-metadata-policy", &secure_default);
  DO_TEST_SECURE ("already-secure", &secure_lan);

  DO_TEST_CONSOLE ("new-password-mode", &console_password);
  DO_TEST_CONSOLE ("expired-password-renewed", &console_password);
  DO_TEST_CONSOLE ("current-password-kept", &console_password);
  DO_TEST_CONSOLE ("switch-to-sasl", &console_sasl);
  DO_TEST_CONSOLE ("switch-to-password", &console_password);
  DO_TEST_CONSOLE ("port-taken-moves", &console_port_taken);
  DO_TEST_CONSOLE_FAIL ("sasl-refuses-new-password", &console_sasl_new_password, VSA_ERROR_INVALID);

  DO_TEST_PASSWORD ("set-new", &pw_expiring);
  DO_TEST_PASSWORD ("replace-existing", &pw_plain);
  DO_TEST_PASSWORD ("remove", &pw_remove);
  DO_TEST_PASSWORD ("connected-keep", &pw_keep_sessions);
  DO_TEST_PASSWORD_FAIL ("no-spice", &pw_plain, VSA_ERROR_NOT_FOUND);
  DO_TEST_PASSWORD_FAIL ("vnc-only", &pw_plain, VSA_ERROR_NOT_FOUND);
  DO_TEST_PASSWORD_FAIL ("bad-characters", &pw_space, VSA_ERROR_INVALID);

  DO_TEST_QEMU_ARG ("add-absent-namespace", &add_rng);
  DO_TEST_QEMU_ARG ("add-other-prefix", &add_rng);
  DO_TEST_QEMU_ARG ("add-after-existing", &add_rng);
  DO_TEST_QEMU_ARG ("add-idempotent", &add_rng);
  DO_TEST_QEMU_ARG ("remove-last", &remove_rng);
  DO_TEST_QEMU_ARG ("remove-keeps-others", &remove_rng);
  DO_TEST_QEMU_ARG ("remove-absent", &remove_rng);

  DO_TEST_QEMU_ENV ("set-absent-namespace", &set_sasl);
  DO_TEST_QEMU_ENV ("set-update-existing", &set_sasl);
  DO_TEST_QEMU_ENV ("set-other-prefix", &set_sasl);
  DO_TEST_QEMU_ENV ("unset-last", &unset_sasl);
  DO_TEST_QEMU_ENV ("unset-keeps-args", &unset_sasl);
  DO_TEST_QEMU_ENV_FAIL ("bad-name", &set_bad_name, VSA_ERROR_INVALID);

  DO_TEST_ATTACH ("first-volume", &attach_imap);
  DO_TEST_ATTACH ("target-taken", &attach_imap);
  DO_TEST_ATTACH ("explicit-target", &attach_imap_vdc);
  DO_TEST_ATTACH_FAIL ("explicit-target-taken", &attach_imap_vda, VSA_ERROR_CONFLICT);
  DO_TEST_ATTACH ("second-volume", &attach_archive);
  DO_TEST_ATTACH ("already-attached", &attach_imap);
  DO_TEST_ATTACH ("unmanaged-domain", &attach_imap);
  DO_TEST_ATTACH_FAIL ("mapping-name-taken", &attach_imap, VSA_ERROR_CONFLICT);
  DO_TEST_ATTACH ("metadata-without-disk", &attach_imap);
  DO_TEST_ATTACH ("token-volume", &attach_imap_token0);
  DO_TEST_ATTACH ("token-replaces-keyfile", &attach_imap_any_token);
  DO_TEST_ATTACH_FAIL ("token-and-keyfile", &attach_imap_token_and_keyfile, VSA_ERROR_INVALID);

  DO_TEST_DETACH ("last-volume", "cr_imap_encr");
  DO_TEST_DETACH ("one-of-three", "cr_b");
  DO_TEST_DETACH ("not-attached", "cr_zzz");
  DO_TEST_DETACH ("disk-without-metadata", "cr_b");

  DO_TEST_AUDIT ("clean", FALSE);
  DO_TEST_AUDIT ("plain-port", FALSE);
  DO_TEST_AUDIT ("insecure-mode", FALSE);
  DO_TEST_AUDIT ("expired", FALSE);
  DO_TEST_AUDIT ("expiring", FALSE);
  DO_TEST_AUDIT ("no-credential", FALSE);
  DO_TEST_AUDIT ("sasl-no-env", FALSE);
  DO_TEST_AUDIT ("libvirt-sasl-on", TRUE); /* password mode, but libvirt's SASL is on */
  DO_TEST_AUDIT ("volume-detached", FALSE);
  DO_TEST_AUDIT ("unmanaged-insecure", FALSE);
  DO_TEST_AUDIT ("unmanaged-vnc", FALSE);
  /* Client entries the hook refuses (issue 23): host names only when the
   * server firewall is on, a bad address or a port always. */
  DO_TEST_AUDIT_FIREWALL ("client-host-name");
  DO_TEST_AUDIT ("client-host-name-no-firewall", FALSE);
  DO_TEST_AUDIT_FIREWALL ("client-bad-address");
  DO_TEST_AUDIT_FIREWALL ("client-bad-port");
  DO_TEST_AUDIT ("metadata-typo", FALSE); /* outside vsa-console.rng: VSA-C00 */
  DO_TEST_AUDIT ("client-wide-network", FALSE); /* wider than /8 or /32: VSA-C12 */

  return g_test_run ();
}
