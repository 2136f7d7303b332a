/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Which edits skip libvirt's schema validation on define
 * (vsa-define-check.h): one line per case, the domain before and after
 * and whether the change is schema-neutral. */
#include "vsa-define-check.h"
#include "vsa-xml.h"

#include <string.h>

typedef struct {
  const char *name;
  const char *before;
  const char *after;
  gboolean neutral;
} DefineCase;

#define DOMAIN(meta, graphics, extra) \
  "<domain type='qemu'><name>vm</name>" meta "<devices>" graphics extra "</devices></domain>"
#define SPICE(attrs) "<graphics type='spice' tlsPort='20001' autoport='no'" attrs "><listen type='address' address='127.0.0.1'/></graphics>"
#define POLICY(user) "<metadata><vsa:console xmlns:vsa='urn:x'><vsa:access user='" user "'/></vsa:console></metadata>"

static const DefineCase cases[] = {
  { "unchanged", DOMAIN ("", SPICE (""), ""), DOMAIN ("", SPICE (""), ""), TRUE },
  { "password-set", DOMAIN ("", SPICE (""), ""), DOMAIN ("", SPICE (" passwd='x'"), ""), TRUE },
  { "password-expiry-connected", DOMAIN ("", SPICE (" passwd='x'"), ""),
    DOMAIN ("", SPICE (" passwd='y' passwdValidTo='2030-01-01T00:00:00' connected='fail'"), ""), TRUE },
  { "policy-added", DOMAIN ("", SPICE (""), ""), DOMAIN (POLICY ("alice"), SPICE (""), ""), TRUE },
  { "policy-added-indented", DOMAIN ("", SPICE (""), ""), DOMAIN ("\n  " POLICY ("alice") "\n  ", SPICE (""), ""), TRUE },
  { "policy-changed", DOMAIN (POLICY ("alice"), SPICE (""), ""), DOMAIN (POLICY ("bob"), SPICE (""), ""), TRUE },
  { "port-changed", DOMAIN ("", SPICE (""), ""),
    DOMAIN ("", "<graphics type='spice' tlsPort='20002' autoport='no'><listen type='address' address='127.0.0.1'/></graphics>", ""), FALSE },
  { "graphics-attribute-added", DOMAIN ("", SPICE (""), ""), DOMAIN ("", SPICE (" defaultMode='secure'"), ""), FALSE },
  { "disk-added", DOMAIN ("", SPICE (""), ""), DOMAIN ("", SPICE (""), "<disk type='block' device='disk'/>"), FALSE },
  { "vnc-password", DOMAIN ("", "<graphics type='vnc'/>", ""), DOMAIN ("", "<graphics type='vnc' passwd='x'/>", ""), FALSE },
  { "qemu-commandline", DOMAIN ("", SPICE (""), ""),
    "<domain type='qemu' xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'><name>vm</name><devices>" SPICE ("")
    "</devices><qemu:commandline><qemu:env name='A' value='b'/></qemu:commandline></domain>", FALSE },
};

static void
run_case (gconstpointer data)
{
  const DefineCase *tc = data;
  g_autoptr (GError) error = NULL;
  g_autoptr (xmlDoc) before = vsa_xml_parse (tc->before, strlen (tc->before), "before", &error);
  g_autoptr (xmlDoc) after = vsa_xml_parse (tc->after, strlen (tc->after), "after", &error);

  g_assert_no_error (error);
  g_assert_cmpint (vsa_define_change_is_schema_neutral (before, after), ==, tc->neutral);
  /* The order of the two documents does not matter. */
  g_assert_cmpint (vsa_define_change_is_schema_neutral (after, before), ==, tc->neutral);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *path = g_strconcat ("/define-check/", cases[i].name, NULL);

      g_test_add_data_func (path, &cases[i], run_case);
    }
  return g_test_run ();
}
