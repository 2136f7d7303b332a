/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Golden-file tests of the in-place KEY = VALUE editor `setup` uses on
 * libvirt's qemu.conf: tests/data/conf-lines/CASE.in gets spice_tls = 1
 * and spice_tls_x509_cert_dir = "/etc/pki/vsa" and must equal CASE.out;
 * CASE.out must need no change (idempotence).  A case is its name in cases[]. */
#include "vsa-conf-lines.h"
#include "vsa-test-util.h"

static gboolean
set_spice_tls (char **text)
{
  gboolean changed = vsa_conf_lines_set (text, "spice_tls", "1");

  changed |= vsa_conf_lines_set (text, "spice_tls_x509_cert_dir", "\"/etc/pki/vsa\"");
  return changed;
}

static void
run_case (gconstpointer data)
{
  const char *name = *(const char *const *) data;
  g_autofree char *in_path = vsa_test_case_path ("conf-lines", name, ".in");
  g_autofree char *out_path = vsa_test_case_path ("conf-lines", name, ".out");
  g_autofree char *text = vsa_test_read (in_path);
  g_autofree char *again = NULL;

  set_spice_tls (&text);
  vsa_test_assert_golden (text, out_path);
  again = vsa_test_read (out_path);
  g_assert_false (set_spice_tls (&again));
}

static void
test_get (void)
{
  g_autofree char *tls = vsa_conf_lines_get ("#spice_tls = 0\nspice_tls = 1 # on\n", "spice_tls");
  g_autofree char *dir = vsa_conf_lines_get ("spice_tls_x509_cert_dir = \"/a#b\"\n", "spice_tls_x509_cert_dir");
  g_autofree char *none = vsa_conf_lines_get ("#spice_tls = 1\n", "spice_tls");
  g_autofree char *prefix = vsa_conf_lines_get ("spice_tls_x = 1\n", "spice_tls");

  g_assert_cmpstr (tls, ==, "1");
  g_assert_cmpstr (dir, ==, "\"/a#b\"");
  g_assert_null (none);
  g_assert_null (prefix);
}

/* The cases: tests/data/conf-lines/NAME.in and NAME.out. */
static const char *const cases[] = {
  "templates", "append", "replace", "unchanged", "no-final-newline", "last-wins",
  "spacing",
};

static const VsaTestEntry conf_lines_tests[] = {
  VSA_TEST_CASES ("/conf-lines", cases, run_case),
  VSA_TEST ("/conf-lines/get", test_get),
};

VSA_TEST_MAIN (conf_lines_tests)
