/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The apply manifest: the annotated example parses into the model; every
 * schema or semantic mistake is one line naming the file and line. */
#include "vsa-error.h"
#include "vsa-manifest.h"
#include "vsa-test-util.h"

#include <string.h>

#define HEAD "<manifest xmlns='" VSA_MANIFEST_NS "'>\n"

static VsaManifest *
parse (const char *text, GError **error)
{
  return vsa_manifest_parse (text, strlen (text), "test.xml", error);
}

static VsaManifestVm *
vm_at (VsaManifest *manifest, guint host, guint vm)
{
  VsaManifestHost *h = g_ptr_array_index (manifest->hosts, host);

  return g_ptr_array_index (h->vms, vm);
}

static void
test_office_example_parses (void)
{
  g_autofree char *path = vsa_test_data_path ("..", "..", "docs", "examples", "office.xml", NULL);
  g_autofree char *text = vsa_test_read (path);
  g_autoptr (GError) error = NULL;
  g_autoptr (VsaManifest) manifest = parse (text, &error);
  VsaManifestVm *debianx, *imap;
  VsaAccess *charlie, *boss, *maggie, *anne;
  const VsaBrokerUser *maggie_broker;
  g_autofree char *boss_when = NULL;
  g_autofree char *maggie_when = NULL;
  g_autofree char *anne_when = NULL;

  g_assert_no_error (error);
  g_assert_cmpuint (manifest->hosts->len, ==, 1);
  g_assert_null (((VsaManifestHost *) g_ptr_array_index (manifest->hosts, 0))->uri);
  g_assert_cmpuint (vsa_manifest_count_vms (manifest), ==, 3);
  debianx = vm_at (manifest, 0, 0);
  g_assert_cmpstr (debianx->name, ==, "debianx");
  g_assert_cmpint (debianx->auth, ==, VSA_AUTH_PASSWORD);
  g_assert_cmpint (debianx->tls_port, ==, 20001);
  g_assert_cmpstr (debianx->listen, ==, "127.0.0.1");
  g_assert_cmpstr (debianx->password_valid_for, ==, "90d");
  g_assert_cmpstr (debianx->password_connected, ==, "keep");
  charlie = g_ptr_array_index (debianx->access, 0);
  g_assert_cmpstr (charlie->user, ==, "charlie");
  g_assert_cmpstr (g_ptr_array_index (charlie->clients, 0), ==, "192.168.2.21");
  g_assert_true (vsa_window_set_is_always (charlie->when));
  boss = g_ptr_array_index (debianx->access, 1);
  boss_when = vsa_window_set_to_string (boss->when);
  g_assert_cmpstr (boss_when, ==, "Mon-Fri 18:00-23:00");
  g_assert_cmpuint (debianx->tunnels->len, ==, 1);
  imap = vm_at (manifest, 0, 1);
  g_assert_true (imap->replace_vnc);
  g_assert_cmpstr (imap->compression, ==, "auto_glz");
  g_assert_cmpuint (imap->access->len, ==, 2);
  g_assert_cmpuint (imap->broker_users->len, ==, 1);
  maggie_broker = g_ptr_array_index (imap->broker_users, 0);
  g_assert_cmpstr (maggie_broker->user, ==, "maggie");
  g_assert_true (maggie_broker->take_over);
  g_assert_cmpstr (maggie_broker->key->type, ==, "ssh-ed25519");
  g_assert_cmpstr (maggie_broker->key->comment, ==, "maggie@laptop");
  g_assert_cmpuint (debianx->broker_users->len, ==, 0);
  maggie = g_ptr_array_index (imap->access, 0);
  anne = g_ptr_array_index (imap->access, 1);
  maggie_when = vsa_window_set_to_string (maggie->when);
  anne_when = vsa_window_set_to_string (anne->when);
  g_assert_cmpstr (maggie_when, ==, "Mon-Tue");
  g_assert_cmpstr (anne_when, ==, "Wed-Thu");
  g_assert_cmpint (vm_at (manifest, 0, 2)->tls_port, ==, 0);
  /* The demo's test driver is no machine: the manifest names its broker. */
  g_assert_cmpstr (((VsaManifestHost *) g_ptr_array_index (manifest->hosts, 0))->broker_host, ==, "mysrv");
  g_assert_cmpint (((VsaManifestHost *) g_ptr_array_index (manifest->hosts, 0))->broker_port, ==, 22);
  g_assert_true (g_str_has_prefix (((VsaManifestHost *) g_ptr_array_index (manifest->hosts, 0))->broker_host_key,
                                   "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAICStIPle26JmQacHcPT"));
  g_assert_cmpuint (manifest->client_hosts->len, ==, 1);
  g_assert_cmpuint (GPOINTER_TO_UINT (g_hash_table_lookup (
    ((VsaManifestClientHost *) g_ptr_array_index (manifest->client_hosts, 0))->uids, "maggie")), ==, 1000);
}

static void
test_volumes_and_qemu_parse (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (VsaManifest) manifest = parse (
    HEAD "<host name='h' uri='test:///default'>\n"
    "<vm name='a' auth='sasl'>\n"
    "  <volume lv='vg/a' name='cr_a' target='vdc'/>\n"
    "  <volume lv='vg/b' name='cr_b' keyfile='/keys/b.key'/>\n"
    "  <qemu-env name='A' value='1'/>\n"
    "  <qemu-args><arg value='-device'/><arg value='virtio-rng-pci'/></qemu-args>\n"
    "</vm></host></manifest>\n", &error);
  VsaManifestVm *vm;
  VsaManifestVolume *a, *b;
  GStrv args;

  g_assert_no_error (error);
  vm = vm_at (manifest, 0, 0);
  g_assert_cmpint (vm->auth, ==, VSA_AUTH_SASL);
  a = g_ptr_array_index (vm->volumes, 0);
  b = g_ptr_array_index (vm->volumes, 1);
  g_assert_cmpstr (a->target, ==, "vdc");
  g_assert_null (a->volume->keyfile);
  g_assert_cmpstr (b->volume->keyfile, ==, "/keys/b.key");
  g_assert_null (b->target);
  args = g_ptr_array_index (vm->qemu_args, 0);
  g_assert_cmpuint (g_strv_length (args), ==, 2);
  g_assert_cmpstr (args[1], ==, "virtio-rng-pci");
}

#define ALICE_KEY "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOePNsBpR00K8g0TMvcxJPKl/EZQBOB/5NMY4kagXxqD alice@office"
#define BOB_KEY "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDJ2KzvUqlYff3w+zhtjwjwxHEtKHeCUzz9ByTIuDRPE bob@office"

/* ssh-key= and take-over= of a <user> become the VM's broker users, each
 * alone or both; a user with neither is none; one key on two VMs is fine. */
static void
test_broker_users_parse (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (VsaManifest) manifest = parse (
    HEAD "<host name='h' uri='test:///default'>\n"
    "<vm name='a' auth='password'>\n"
    "  <user name='alice' ssh-key='" ALICE_KEY "'/>\n"
    "  <user name='bob' take-over='yes'/>\n"
    "  <user name='carol'/>\n"
    "</vm>\n"
    "<vm name='b' auth='sasl'><user name='alice' take-over='yes' ssh-key='" ALICE_KEY "'/></vm>\n"
    "</host></manifest>\n", &error);
  VsaManifestVm *a, *b;
  const VsaBrokerUser *alice, *bob;

  g_assert_no_error (error);
  a = vm_at (manifest, 0, 0);
  b = vm_at (manifest, 0, 1);
  g_assert_cmpuint (a->access->len, ==, 3);
  g_assert_cmpuint (a->broker_users->len, ==, 2);
  alice = g_ptr_array_index (a->broker_users, 0);
  bob = g_ptr_array_index (a->broker_users, 1);
  g_assert_cmpstr (alice->user, ==, "alice");
  g_assert_false (alice->take_over);
  g_assert_cmpstr (alice->key->comment, ==, "alice@office");
  g_assert_cmpstr (bob->user, ==, "bob");
  g_assert_true (bob->take_over);
  g_assert_null (bob->key);
  g_assert_cmpuint (b->broker_users->len, ==, 1);
  g_assert_true (((VsaBrokerUser *) g_ptr_array_index (b->broker_users, 0))->take_over);
}

typedef struct {
  const char *label;
  const char *body; /* between <manifest> and </manifest> */
  const char *message_part;
} BadManifest;

#define VM_OPEN "<host name='h'>\n<vm name='a' auth='password'>\n"
#define VM_CLOSE "</vm></host>"

static const BadManifest bad_manifests[] = {
  { "broker-bad-host-key", "<host name='h'>\n<broker host-key='ssh-ed25519 AAAA'/></host>",
    "test.xml: line 3: host 'h': <broker host-key>: the ssh-ed25519 key data is malformed" },
  { "broker-port-zero", "<host name='h'>\n<broker port='0' host-key='" BOB_KEY "'/></host>", "test.xml: line 3: " },
  { "broker-twice", "<host name='h'>\n<broker host-key='" BOB_KEY "'/><broker host-key='" BOB_KEY "'/></host>",
    "test.xml: line 3: Extra element broker" },
  { "not-well-formed", "<host name='h'>\n<vm>\n</host>", "test.xml: line 6: Premature end of data" },
  { "unknown-attribute", "<host name='h'>\n<vm name='a' auth='password' colour='red'/></host>",
    "test.xml: line 3: Invalid attribute colour for element vm (see the schema vsa-manifest.rng" },
  { "missing-auth", "<host name='h'>\n\n<vm name='a'/></host>", "test.xml: line 4:" },
  { "port-out-of-range", "<host name='h'>\n<vm name='a' auth='sasl' tls-port='70000'/></host>", "test.xml: line 3:" },
  { "no-host", "<client-host name='c' address='10.0.0.1'><user name='a'/></client-host>", "test.xml: line 1:" },
  { "bad-user-name", VM_OPEN "<user name='-root'/>" VM_CLOSE, "test.xml: line 4:" },
  { "bad-vm-name", "<host name='h'>\n<vm name='../etc' auth='password'/></host>", "line 3: VM name '../etc' must not start with '.'" },
  { "bad-listen", "<host name='h'>\n<vm name='a' auth='password' listen='mysrv.local'/></host>", "line 3: listen address 'mysrv.local' is not an IPv4 or IPv6" },
  { "bad-client", VM_OPEN "<user name='alice'>\n<client address='10.0.0.1;reboot'/></user>" VM_CLOSE, "line 5: client '10.0.0.1;reboot' is neither" },
  { "duplicate-vm", "<host name='h'>\n<vm name='a' auth='password'/>\n<vm name='a' auth='sasl'/></host>", "line 4: VM 'a' is declared twice for host 'h' (first at line 3)" },
  { "duplicate-port", "<host name='h'>\n<vm name='a' auth='password' tls-port='20001'/>\n<vm name='b' auth='password' tls-port='20001'/></host>", "line 4: TLS port 20001 of VM 'b' is also given to VM 'a'" },
  { "duplicate-user", VM_OPEN "<user name='alice'/>\n<user name='alice'/>" VM_CLOSE, "line 5: user 'alice' is listed twice for VM 'a'" },
  { "bad-when", VM_OPEN "<user name='maggie' when='Mon-Tue 9-12'/>" VM_CLOSE, "line 4: bad window 'Mon-Tue 9-12': '9-12' is not a time range HH:MM-HH:MM; accepted: always," },
  { "when-outside-schema", VM_OPEN "<user name='maggie' when='Mon*'/>" VM_CLOSE, "line 4: " },
  { "duplicate-client", VM_OPEN "<user name='alice'><client address='10.0.0.1'/>\n<client address='10.0.0.1'/></user>" VM_CLOSE, "line 5: client '10.0.0.1' is listed twice" },
  { "duplicate-host", "<host name='h'/>\n<host name='h' uri='test:///default'/>", "line 3: host 'h' is declared twice" },
  { "two-default-hosts", "<host name='h'/>\n<host name='i'/>", "line 3: hosts 'h' and 'i' have the same default URI (no uri)" },
  { "password-in-sasl", "<host name='h'>\n<vm name='a' auth='sasl'>\n<password valid-for='1d'/>" VM_CLOSE, "line 4: VM 'a' uses auth='sasl'" },
  { "bad-duration", VM_OPEN "<password valid-for='soon'/>" VM_CLOSE, "line 4:" },
  { "tunnel-without-user", VM_OPEN "<tunnel user='bob' ssh-key='ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGEt8M5kTCoOGk3e1vcof2BMWFpntYLbgtcH+vbgBGIK bob@x'/>" VM_CLOSE, "line 3: VM 'a': the tunnel of user 'bob' (line 4) needs <user name='bob'/>" },
  { "bad-ssh-key", VM_OPEN "<user name='bob'/><tunnel user='bob' ssh-key='ssh-dss AAAA'/>" VM_CLOSE, "line 4:" },
  { "malformed-ssh-key", VM_OPEN "<user name='bob'/><tunnel user='bob' ssh-key='ssh-ed25519 AAAA bob@x'/>" VM_CLOSE, "line 4: the ssh-ed25519 key data is malformed" },
  { "tunnel-from-name", VM_OPEN "<user name='bob'/><tunnel user='bob' from='office.lan' ssh-key='ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGEt8M5kTCoOGk3e1vcof2BMWFpntYLbgtcH+vbgBGIK bob@x'/>" VM_CLOSE, "line 4:" },
  { "console-key-malformed", VM_OPEN "<user name='bob' ssh-key='ssh-ed25519 AAAA bob@x'/>" VM_CLOSE, "line 4: the ssh-ed25519 key data is malformed" },
  { "console-key-bad-type", VM_OPEN "<user name='bob' ssh-key='ssh-dss AAAA'/>" VM_CLOSE, "line 4:" },
  { "console-key-for-root", VM_OPEN "<user name='root' ssh-key='" BOB_KEY "'/>" VM_CLOSE, "line 4: user 'root' cannot have a tunnel: use an unprivileged account" },
  { "take-over-for-hidden-user", VM_OPEN "<user name='.bob' take-over='yes'/>" VM_CLOSE, "line 4: user '.bob' cannot have a tunnel" },
  { "take-over-no", VM_OPEN "<user name='bob' take-over='no'/>" VM_CLOSE, "line 4:" },
  { "console-key-in-client", VM_OPEN "<user name='bob'><client address='10.0.0.1' ssh-key='" BOB_KEY "'/></user>" VM_CLOSE, "line 4:" },
  { "two-console-keys-one-user", "<host name='h'>\n<vm name='a' auth='password'><user name='bob' ssh-key='" BOB_KEY "'/></vm>\n<vm name='b' auth='password'><user name='bob' ssh-key='" ALICE_KEY "'/></vm></host>", "line 4: user 'bob' has one console key for VM 'a' and another for VM 'b'; give both the same ssh-key" },
  { "tunnel-for-root", VM_OPEN "<user name='root'/><tunnel user='root' ssh-key='" BOB_KEY "'/>" VM_CLOSE, "line 4: user 'root' cannot have a tunnel" },
  { "sasl-env-reserved", VM_OPEN "<qemu-env name='SASL_CONF_PATH' value='/tmp'/>" VM_CLOSE, "line 4: SASL_CONF_PATH is set by auth='sasl'" },
  { "duplicate-env", VM_OPEN "<qemu-env name='A' value='1'/>\n<qemu-env name='A' value='2'/>" VM_CLOSE, "line 5: qemu-env 'A' is set twice" },
  { "bad-lv", VM_OPEN "<volume lv='vglv' name='cr'/>" VM_CLOSE, "line 4: logical volume 'vglv' must be written VG/LV" },
  { "relative-keyfile", VM_OPEN "<volume lv='vg/lv' name='cr' keyfile='k.key'/>" VM_CLOSE, "line 4: keyfile 'k.key' must be an absolute path" },
  { "keyfile-and-token", VM_OPEN "<volume lv='vg/lv' name='cr' keyfile='/k.key' token='any'/>" VM_CLOSE, "line 4: volume 'cr' names a keyfile and a token; give one" },
  { "bad-token", VM_OPEN "<volume lv='vg/lv' name='cr' token='32'/>" VM_CLOSE, "line 4:" },
  { "volume-twice-in-vm", VM_OPEN "<volume lv='vg/lv' name='cr'/>\n<volume lv='vg/lv' name='cr2'/>" VM_CLOSE, "line 5: volume 'cr2' (vg/lv) repeats" },
  { "volume-in-two-vms", "<host name='h'>\n<vm name='a' auth='password'><volume lv='vg/lv' name='cr'/></vm>\n<vm name='b' auth='password'><volume lv='vg/lv' name='cr'/></vm></host>", "line 4: logical volume vg/lv is given to VM 'b' and VM 'a'" },
  { "client-user-without-vm", VM_OPEN "<user name='alice'/>" VM_CLOSE "\n<client-host name='pc' address='10.0.0.9'>\n<user name='mallory'/></client-host>", "line 6: user 'mallory' of client host 'pc' has no VM" },
  { "duplicate-client-host", VM_OPEN "<user name='alice'/>" VM_CLOSE "\n<client-host name='pc' address='10.0.0.9'><user name='alice'/></client-host>\n<client-host name='pc' address='10.0.0.8'><user name='alice'/></client-host>", "line 6: client host 'pc' is declared twice" },
  { "client-uid-zero", VM_OPEN "<user name='alice'/>" VM_CLOSE "\n<client-host name='pc' address='10.0.0.9'>\n<user name='alice' uid='0'/></client-host>", "line 6:" },
  { "client-uid-nobody-marker", VM_OPEN "<user name='alice'/>" VM_CLOSE "\n<client-host name='pc' address='10.0.0.9'>\n<user name='alice' uid='4294967295'/></client-host>", "line 6: uid '4294967295' of user 'alice' is not a UID from 1 to 4294967294" },
  { "doctype", "", "document type declarations are not allowed" },
};

static void
test_bad_manifest (gconstpointer data)
{
  const BadManifest *bad = data;
  g_autofree char *text = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (VsaManifest) manifest = NULL;

  if (*bad->body)
    text = g_strconcat (HEAD, bad->body, "\n</manifest>\n", NULL);
  else
    text = g_strdup ("<!DOCTYPE m [<!ENTITY e 'x'>]>" HEAD "</manifest>");
  manifest = parse (text, &error);
  g_assert_null (manifest);
  g_assert_error (error, VSA_ERROR, VSA_ERROR_INVALID);
  vsa_test_assert_message_has (error, bad->message_part);
  g_assert_null (strchr (error->message, '\n'));
}

static const VsaTestEntry manifest_tests[] = {
  VSA_TEST ("/manifest/office-example-parses", test_office_example_parses),
  VSA_TEST ("/manifest/volumes-and-qemu-parse", test_volumes_and_qemu_parse),
  VSA_TEST ("/manifest/broker-users-parse", test_broker_users_parse),
  VSA_TEST_CASES ("/manifest/bad", bad_manifests, test_bad_manifest),
};

VSA_TEST_MAIN (manifest_tests)
