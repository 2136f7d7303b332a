/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libvirt's domain schema checked in process (vsa-domain-schema.h), one
 * line per case, with libvirt's own verdict as the oracle: the embedded
 * test driver defining the same XML with VIR_DOMAIN_DEFINE_VALIDATE
 * (which reads the same domain.rng).  Every golden domain the transforms
 * produce (tests/data) must pass both; each broken one must fail both,
 * the in-process answer naming the fault in one line. */
#include "vsa-domain-schema.h"

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <string.h>

typedef struct {
  const char *name;
  const char *xml;
  gboolean valid;
  const char *message; /* in the in-process error, when invalid: libxml2's
                        * words, which libvirt's own refusal shows too */
} SchemaCase;

#define DOMAIN(graphics, extra) \
  "<domain type='test'><name>vsa-schema</name><memory>65536</memory><os><type>hvm</type></os>" \
  "<devices>" graphics extra "</devices></domain>"
#define SPICE(attrs) "<graphics type='spice' autoport='no' tlsPort='20001'" attrs \
  "><listen type='address' address='127.0.0.1'/></graphics>"

static const SchemaCase cases[] = {
  { "minimal", DOMAIN (SPICE (""), ""), TRUE, NULL },
  { "secure-mode", DOMAIN (SPICE (" defaultMode='secure'"), ""), TRUE, NULL },
  { "unknown-element", DOMAIN (SPICE (""), "<frobnicator/>"), FALSE, "Extra element devices" },
  { "unknown-attribute", DOMAIN (SPICE (" sparkle='yes'"), ""), FALSE, "Extra element devices" },
  { "bad-mode", DOMAIN (SPICE (" defaultMode='sometimes'"), ""), FALSE, "Extra element devices" },
  { "bad-port", "<domain type='test'><name>vsa-schema</name><memory>65536</memory><os><type>hvm</type></os>"
    "<devices><graphics type='spice' autoport='no' tlsPort='twenty'/></devices></domain>", FALSE, "Extra element devices" },
  { "no-name", "<domain type='test'><memory>65536</memory><os><type>hvm</type></os></domain>", FALSE, NULL },
};

static virConnect *conn;

/* libvirt's answer: whether its schema check let XML through (a define
 * refused for another reason, e.g. a kvm domain on the test driver, still
 * passed the schema, which libvirt checks first, while parsing). */
static gboolean
libvirt_schema_accepts (const char *xml)
{
  virDomain *dom = virDomainDefineXMLFlags (conn, xml, VIR_DOMAIN_DEFINE_VALIDATE);

  if (dom != NULL)
    {
      g_assert_cmpint (virDomainUndefine (dom), ==, 0);
      virDomainFree (dom);
      return TRUE;
    }
  return virGetLastErrorCode () != VIR_ERR_XML_INVALID_SCHEMA;
}

static void
run_case (gconstpointer data)
{
  const SchemaCase *tc = data;
  g_autoptr (GError) error = NULL;
  gboolean valid = vsa_domain_schema_validate (tc->xml, &error);

  g_assert_cmpint (libvirt_schema_accepts (tc->xml), ==, tc->valid);
  g_assert_cmpint (valid, ==, tc->valid);
  if (tc->valid)
    {
      g_assert_no_error (error);
      return;
    }
  g_assert_nonnull (error);
  g_test_message ("%s", error->message);
  g_assert_null (strchr (error->message, '\n'));
  g_assert_true (g_str_has_prefix (error->message, "the new domain XML: line "));
  g_assert_nonnull (strstr (error->message, vsa_domain_schema_path ()));
  if (tc->message)
    g_assert_nonnull (strstr (error->message, tc->message));
}

/* The transforms' expected outputs: tests/data/TRANSFORM/NAME.out.xml. */
static void
run_golden (gconstpointer data)
{
  const char *path = data;
  g_autofree char *xml = NULL;
  g_autoptr (GError) error = NULL;

  g_assert_true (g_file_get_contents (path, &xml, NULL, &error));
  g_assert_true (libvirt_schema_accepts (xml));
  g_assert_true (vsa_domain_schema_validate (xml, &error));
  g_assert_no_error (error);
}

static void
test_uri_is_local (void)
{
  const char *local[] = { "qemu:///system", "qemu:///session", "test:///default",
                          "qemu+unix:///system?socket=/run/libvirt/virtqemud-sock" };
  const char *remote[] = { "qemu+ssh://root@host/system", "qemu+tcp://host/system",
                           "qemu://host/system", "qemu+tls://10.0.0.1/system",
                           "qemu+ssh:///system", "not a uri" };

  for (guint i = 0; i < G_N_ELEMENTS (local); i++)
    g_assert_true (vsa_domain_schema_uri_is_local (local[i]));
  for (guint i = 0; i < G_N_ELEMENTS (remote); i++)
    g_assert_false (vsa_domain_schema_uri_is_local (remote[i]));
  g_assert_true (vsa_domain_schema_serves (conn));
}

static void
add_goldens (const char *data_dir)
{
  const char *transforms[] = { "console", "password", "qemu-arg", "qemu-env", "secure",
                               "volume-attach", "volume-detach" };

  for (guint t = 0; t < G_N_ELEMENTS (transforms); t++)
    {
      g_autofree char *dir = g_build_filename (data_dir, transforms[t], NULL);
      g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
      const char *file;

      g_assert_nonnull (d);
      while ((file = g_dir_read_name (d)) != NULL)
        if (g_str_has_suffix (file, ".out.xml"))
          {
            g_autofree char *test = g_strdup_printf ("/domain-schema/golden/%s/%s", transforms[t], file);

            g_test_add_data_func_full (test, g_build_filename (dir, file, NULL), run_golden, g_free);
          }
    }
}

static void
quiet_libvirt (void *user_data, virErrorPtr error)
{
}

int
main (int argc, char **argv)
{
  const char *data_dir = g_getenv ("VSA_TEST_DATA");
  int status;

  g_test_init (&argc, &argv, NULL);
  g_assert_nonnull (data_dir);
  virSetErrorFunc (NULL, quiet_libvirt);
  conn = virConnectOpen ("test:///default");
  g_assert_nonnull (conn);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *path = g_strconcat ("/domain-schema/", cases[i].name, NULL);

      g_test_add_data_func (path, &cases[i], run_case);
    }
  add_goldens (data_dir);
  g_test_add_func ("/domain-schema/uri-is-local", test_uri_is_local);
  status = g_test_run ();
  virConnectClose (conn);
  return status;
}
