/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The hook's decisions, without running the hook: which phase each libvirt
 * operation maps to, which ones may refuse, and what gets refused. */
#include "vsa-error.h"
#include "vsa-hook-plan.h"
#include "vsa-policy.h"
#include "vsa-test-util.h"
#include "vsa-xml.h"

#include <string.h>

#define NS "http://virt-spice-admin.org/xmlns/console/1.0"
#define SECURE_GRAPHICS \
  "<graphics type='spice' tlsPort='20001' autoport='no' listen='127.0.0.1' defaultMode='secure' passwd='pw-123456'>" \
  "<listen type='address' address='127.0.0.1'/></graphics>"

static const char *
domain_with (const char *graphics, const char *metadata)
{
  static char buf[2048];

  g_snprintf (buf, sizeof buf,
              "<domain type='qemu'><name>vm1</name><uuid>11111111-2222-3333-4444-555555555555</uuid>"
              "<devices>%s</devices>%s</domain>", graphics, metadata);
  return buf;
}

static VsaHookPlan *
plan_for (const char *op, const char *subop, const char *xml)
{
  g_autoptr (GError) error = NULL;
  VsaHookPlan *plan = vsa_hook_plan_build ("vm1", op, subop, xml, strlen (xml), NULL, &error);

  g_assert_no_error (error);
  return plan;
}

static void
test_phase_table (void)
{
  static const struct { const char *op, *subop; VsaHookPhase phase; gboolean may_refuse; } rows[] = {
    { "prepare", "begin", VSA_HOOK_PREPARE, TRUE },
    { "release", "end", VSA_HOOK_RELEASE, FALSE },
    { "reconnect", "begin", VSA_HOOK_RECONNECT, FALSE },
    { "migrate", "begin", VSA_HOOK_FILTER, FALSE },
    { "restore", "begin", VSA_HOOK_FILTER, FALSE },
    { "start", "begin", VSA_HOOK_IGNORE, FALSE },
    { "stopped", "end", VSA_HOOK_IGNORE, FALSE },
    { "prepare", "end", VSA_HOOK_IGNORE, FALSE },
    { "", "", VSA_HOOK_IGNORE, FALSE },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (rows); i++)
    {
      gboolean may_refuse = !rows[i].may_refuse;
      g_assert_cmpint (vsa_hook_phase_for (rows[i].op, rows[i].subop, &may_refuse), ==, rows[i].phase);
      g_assert_cmpint (may_refuse, ==, rows[i].may_refuse);
    }
}

static void
test_unmanaged_is_not_parsed (void)
{
  /* Not even well-formed: the fast path never parses it. */
  const char *xml = "<domain><name>vm1</name><devices><graphics type='spice' port='5900'/>";
  g_autoptr (VsaHookPlan) plan = plan_for ("prepare", "begin", xml);

  g_assert_false (plan->managed);
  g_assert_cmpuint (plan->refusals->len, ==, 0);
}

static void
test_secure_managed_passes (void)
{
  g_autoptr (VsaHookPlan) plan = plan_for ("prepare", "begin",
      domain_with (SECURE_GRAPHICS, "<metadata><vsa:console xmlns:vsa='" NS "' auth='password'/></metadata>"));

  g_assert_true (plan->managed);
  g_assert_cmpuint (plan->refusals->len, ==, 0);
}

static void
test_insecure_managed_refused_in_one_line (void)
{
  g_autoptr (VsaHookPlan) plan = plan_for ("prepare", "begin",
      domain_with ("<graphics type='spice' port='5900' autoport='no'/>",
                   "<metadata><vsa:console xmlns:vsa='" NS "' auth='password'/></metadata>"));
  g_autofree char *line = NULL;

  g_assert_true (plan->managed);
  g_assert_cmpuint (plan->refusals->len, ==, 5);
  line = vsa_hook_refusal_line (plan);
  g_assert_null (strchr (line, '\n'));
  g_assert_true (g_str_has_prefix (line, "virt-spice-admin: refusing to start VM 'vm1': a plain (unencrypted) SPICE port is configured; "));
  g_assert_true (g_str_has_suffix (line, "run 'virt-spice-admin secure vm1' to restore its console policy"));
}

/* Found by fuzzing: a port past 65535 used to read as a valid one. */
static void
test_tls_port_out_of_range_refused (void)
{
  g_autoptr (VsaHookPlan) plan = plan_for ("prepare", "begin",
      domain_with ("<graphics type='spice' tlsPort='80757' autoport='no' listen='127.0.0.1' "
                   "defaultMode='secure' passwd='pw-123456'><listen type='address' address='127.0.0.1'/></graphics>",
                   "<metadata><vsa:console xmlns:vsa='" NS "' auth='password'/></metadata>"));

  g_assert_cmpuint (plan->refusals->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (plan->refusals, 0), ==, "the TLS port is not a valid port number");
}

static void
test_sasl_needs_per_vm_config (void)
{
  const char *graphics = "<graphics type='spice' tlsPort='20001' autoport='no' listen='127.0.0.1' defaultMode='secure'>"
                         "<listen type='address' address='127.0.0.1'/></graphics>";
  g_autoptr (VsaHookPlan) plan = plan_for ("prepare", "begin",
      domain_with (graphics, "<metadata><vsa:console xmlns:vsa='" NS "' auth='sasl'/></metadata>"));

  g_assert_cmpuint (plan->refusals->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (plan->refusals, 0), ==,
                   "no per-VM SASL configuration (SASL_CONF_PATH)");
}

static void
test_release_never_refuses (void)
{
  g_autoptr (VsaHookPlan) plan = plan_for ("release", "end",
      domain_with ("<graphics type='spice' port='5900'/>",
                   "<metadata><vsa:console xmlns:vsa='" NS "'/></metadata>"));

  g_assert_true (plan->managed);
  g_assert_false (plan->may_refuse);
  g_assert_cmpuint (plan->refusals->len, ==, 0);
}

static void
test_managed_plan_carries_tls_port (void)
{
  static const char *const phases[][2] = { { "prepare", "begin" }, { "release", "end" }, { "reconnect", "begin" } };
  const char *xml = domain_with (SECURE_GRAPHICS,
                                 "<metadata><vsa:console xmlns:vsa='" NS "' auth='password'>"
                                 "<vsa:access user='alice' client='10.231.0.2'/></vsa:console></metadata>");

  for (gsize i = 0; i < G_N_ELEMENTS (phases); i++)
    {
      g_autoptr (VsaHookPlan) plan = plan_for (phases[i][0], phases[i][1], xml);

      g_assert_true (plan->managed);
      g_assert_cmpint (plan->tls_port, ==, 20001);
      g_assert_cmpstr (g_ptr_array_index (((VsaAccess *) g_ptr_array_index (plan->policy->access, 0))->clients, 0),
                       ==, "10.231.0.2");
    }
}

static void
test_malformed_managed_is_an_error (void)
{
  const char *xml = "<domain><metadata><vsa:console xmlns:vsa='" NS "'/></metadata>";
  g_autoptr (GError) error = NULL;
  g_autoptr (VsaHookPlan) plan = vsa_hook_plan_build ("vm1", "prepare", "begin", xml, strlen (xml),
                                                      NULL, &error);

  g_assert_null (plan);
  g_assert_error (error, VSA_ERROR, VSA_ERROR_INVALID);
}

#define TWO_VOLUMES \
  "<metadata><vsa:console xmlns:vsa='" NS "' auth='password'>" \
  "<vsa:volume lv='vg/mail' name='cr_mail' keyfile='/k/mail'/><vsa:access user='alice'/>" \
  "<vsa:volume lv='vg/archive' name='cr_archive' keyfile='/k/archive'/></vsa:console></metadata>"

static void
test_volumes_in_metadata_order (void)
{
  static const char *const ops[][2] = { { "prepare", "begin" }, { "release", "end" } };

  for (gsize i = 0; i < G_N_ELEMENTS (ops); i++)
    {
      g_autoptr (VsaHookPlan) plan = plan_for (ops[i][0], ops[i][1], domain_with (SECURE_GRAPHICS, TWO_VOLUMES));
      VsaVolume *first, *second;

      g_assert_cmpuint (plan->refusals->len, ==, 0);
      g_assert_cmpuint (plan->volumes->len, ==, 2);
      first = g_ptr_array_index (plan->volumes, 0);
      second = g_ptr_array_index (plan->volumes, 1);
      g_assert_cmpstr (first->name, ==, "cr_mail");
      g_assert_cmpstr (first->lv, ==, "vg/mail");
      g_assert_cmpstr (first->keyfile, ==, "/k/mail");
      g_assert_cmpstr (second->name, ==, "cr_archive");
    }
}

static void
test_unmanaged_has_no_volumes (void)
{
  g_autoptr (VsaHookPlan) plan = plan_for ("prepare", "begin", domain_with (SECURE_GRAPHICS, ""));

  g_assert_false (plan->managed);
  g_assert_nonnull (plan->volumes);
  g_assert_cmpuint (plan->volumes->len, ==, 0);
}

static void
test_bad_volume_entry_is_an_error (void)
{
  const char *xml = domain_with (SECURE_GRAPHICS,
      "<metadata><vsa:console xmlns:vsa='" NS "'><vsa:volume lv='vg/x' name='a/../b' keyfile='/k'/>"
      "</vsa:console></metadata>");
  g_autoptr (GError) error = NULL;
  g_autoptr (VsaHookPlan) plan = vsa_hook_plan_build ("vm1", "prepare", "begin", xml, strlen (xml),
                                                      NULL, &error);

  g_assert_null (plan);
  g_assert_error (error, VSA_ERROR, VSA_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "mapping name 'a/../b' is not valid"));
}

/* Found by fuzz-hook-plan: a NUL byte before the metadata hid it from the
 * namespace search (g_strstr_len stops at NUL), so a managed domain passed
 * as unmanaged and started unchecked, while the gate had judged it
 * managed.  It must reach the parser, which refuses it. */
static void
test_nul_before_metadata_is_an_error (void)
{
  const char *xml = domain_with (SECURE_GRAPHICS,
      "<metadata><vsa:console xmlns:vsa='" NS "' auth='password'/></metadata>");
  g_autoptr (GByteArray) input = g_byte_array_new ();
  g_autoptr (GError) error = NULL;
  g_autoptr (VsaHookPlan) plan = NULL;

  g_byte_array_append (input, (const guint8 *) xml, 8);
  g_byte_array_append (input, (const guint8 *) "\0", 1);
  g_byte_array_append (input, (const guint8 *) xml + 8, (guint) strlen (xml) - 8);
  g_assert_true (vsa_hook_input_may_be_managed ((const char *) input->data, input->len));
  plan = vsa_hook_plan_build ("vm1", "prepare", "begin", (const char *) input->data, input->len,
                              NULL, &error);
  g_assert_null (plan);
  g_assert_error (error, VSA_ERROR, VSA_ERROR_INVALID);
}

/* Found by fuzz-hook-plan: libxml2's encoding error spans two lines
 * ("...indicate encoding !\nBytes: 0xAA ..."), and the hook's refusal,
 * which libvirt shows to the user, must be one line. */
static void
test_parse_error_is_one_line (void)
{
  const char *xml = "<domain><metadata><vsa:console xmlns:vsa='" NS "' auth='\xaa'/></metadata></domain>";
  g_autoptr (GError) error = NULL;
  g_autoptr (VsaHookPlan) plan = vsa_hook_plan_build ("vm1", "prepare", "begin", xml, strlen (xml),
                                                      NULL, &error);

  g_assert_null (plan);
  g_assert_error (error, VSA_ERROR, VSA_ERROR_INVALID);
  g_assert_null (strpbrk (error->message, "\r\n"));
}

/* The XML on stdin describes another VM than argv names: every phase that
 * acts refuses to judge it (prepare refuses the start, the undo steps log
 * it and do nothing), naming both. */
static void
test_name_mismatch_is_an_error (void)
{
  static const char *const phases[][2] = { { "prepare", "begin" }, { "release", "end" }, { "reconnect", "begin" } };
  const char *xml = domain_with (SECURE_GRAPHICS, "<metadata><vsa:console xmlns:vsa='" NS "' auth='password'/></metadata>");

  for (guint i = 0; i < G_N_ELEMENTS (phases); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (VsaHookPlan) plan = vsa_hook_plan_build ("vm2", phases[i][0], phases[i][1], xml,
                                                          strlen (xml), NULL, &error);

      g_assert_null (plan);
      g_assert_error (error, VSA_ERROR, VSA_ERROR_INVALID);
      g_assert_nonnull (strstr (error->message, "'vm1'"));
      g_assert_nonnull (strstr (error->message, "'vm2'"));
      g_assert_null (strchr (error->message, '\n'));
    }
}

/* At prepare the saved definition read by argv's name must be the same
 * domain as stdin's (its password is what the check reads). */
static void
test_saved_definition_of_another_domain_is_an_error (void)
{
  const char *xml = domain_with (SECURE_GRAPHICS, "<metadata><vsa:console xmlns:vsa='" NS "' auth='password'/></metadata>");
  g_autofree char *stdin_xml = g_strdup (xml);
  const char *saved = "<domain type='qemu'><name>vm1</name><uuid>99999999-2222-3333-4444-555555555555</uuid>"
                      "<devices>" SECURE_GRAPHICS "</devices></domain>";
  const char *same = "<domain type='qemu'><name>vm1</name><uuid>11111111-2222-3333-4444-555555555555</uuid>"
                     "<devices>" SECURE_GRAPHICS "</devices></domain>";
  g_autoptr (GError) error = NULL;
  g_autoptr (VsaHookPlan) plan = vsa_hook_plan_build ("vm1", "prepare", "begin", stdin_xml,
                                                      strlen (stdin_xml), saved, &error);
  g_autoptr (VsaHookPlan) good = NULL;

  g_assert_null (plan);
  g_assert_error (error, VSA_ERROR, VSA_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "99999999-2222-3333-4444-555555555555"));
  g_assert_nonnull (strstr (error->message, "11111111-2222-3333-4444-555555555555"));
  g_clear_error (&error);
  good = vsa_hook_plan_build ("vm1", "prepare", "begin", stdin_xml, strlen (stdin_xml), same, &error);
  g_assert_no_error (error);
  g_assert_true (good->managed);
}

/* The worker's first step decides from argv and bytes alone whether the
 * input is worth parsing: never for ignored or filter operations, never
 * without our namespace, always past the size limit (what was cut off
 * may hold it). */
static void
test_what_gets_judged (void)
{
  g_autofree char *managed = g_strdup (domain_with (SECURE_GRAPHICS,
      "<metadata><vsa:console xmlns:vsa='" NS "' auth='password'/></metadata>"));
  g_autofree char *unmanaged = g_strdup (domain_with (SECURE_GRAPHICS, ""));
  g_autofree char *big = g_strnfill (VSA_XML_MAX_SIZE + 1, 'a');
  static const struct { const char *op, *subop; gboolean judged; } ops[] = {
    { "prepare", "begin", TRUE }, { "release", "end", TRUE }, { "reconnect", "begin", TRUE },
    { "migrate", "begin", FALSE }, { "start", "begin", FALSE },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (ops); i++)
    {
      g_autoptr (VsaHookPlan) a = vsa_hook_plan_new ("vm1", ops[i].op, ops[i].subop, managed, strlen (managed));
      g_autoptr (VsaHookPlan) b = vsa_hook_plan_new ("vm1", ops[i].op, ops[i].subop, unmanaged, strlen (unmanaged));
      g_autoptr (VsaHookPlan) c = vsa_hook_plan_new ("vm1", ops[i].op, ops[i].subop, big, strlen (big));

      g_assert_cmpint (a->to_judge, ==, ops[i].judged);
      g_assert_false (b->to_judge);
      g_assert_cmpint (c->to_judge, ==, ops[i].judged);
    }
}

static const VsaTestEntry hook_plan_tests[] = {
  VSA_TEST ("/hook-plan/phase-table", test_phase_table),
  VSA_TEST ("/hook-plan/unmanaged-is-not-parsed", test_unmanaged_is_not_parsed),
  VSA_TEST ("/hook-plan/secure-managed-passes", test_secure_managed_passes),
  VSA_TEST ("/hook-plan/insecure-managed-refused-in-one-line", test_insecure_managed_refused_in_one_line),
  VSA_TEST ("/hook-plan/sasl-needs-per-vm-config", test_sasl_needs_per_vm_config),
  VSA_TEST ("/hook-plan/tls-port-out-of-range-refused", test_tls_port_out_of_range_refused),
  VSA_TEST ("/hook-plan/release-never-refuses", test_release_never_refuses),
  VSA_TEST ("/hook-plan/managed-plan-carries-tls-port", test_managed_plan_carries_tls_port),
  VSA_TEST ("/hook-plan/malformed-managed-is-an-error", test_malformed_managed_is_an_error),
  VSA_TEST ("/hook-plan/volumes-in-metadata-order", test_volumes_in_metadata_order),
  VSA_TEST ("/hook-plan/unmanaged-has-no-volumes", test_unmanaged_has_no_volumes),
  VSA_TEST ("/hook-plan/bad-volume-entry-is-an-error", test_bad_volume_entry_is_an_error),
  VSA_TEST ("/hook-plan/nul-before-metadata-is-an-error", test_nul_before_metadata_is_an_error),
  VSA_TEST ("/hook-plan/parse-error-is-one-line", test_parse_error_is_one_line),
  VSA_TEST ("/hook-plan/name-mismatch-is-an-error", test_name_mismatch_is_an_error),
  VSA_TEST ("/hook-plan/saved-definition-of-another-domain-is-an-error", test_saved_definition_of_another_domain_is_an_error),
  VSA_TEST ("/hook-plan/what-gets-judged", test_what_gets_judged),
};

VSA_TEST_MAIN (hook_plan_tests)
