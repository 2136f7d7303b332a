/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The renderers driven by fuzz fields.  Each builder turns fields into
 * names and addresses, lets the libraries' own validators refuse what
 * they refuse, renders the rest, and checks the text against the
 * renderer's escaping rules.  Field layouts are documented per builder;
 * tests/fuzz/corpus/TARGET/ holds readable examples. */
#include "vsa-fuzz.h"
#include "vsa-client-render.h"
#include "vsa-nft.h"
#include "vsa-templates.h"
#include "vsa-sshd.h"
#include "vsa-tunnel-render.h"
#include "vsa-xml.h"

#include <string.h>

/* Bounds on what one input may ask for: the point is odd names, not
 * big policies. */
#define MAX_VMS 4
#define MAX_USERS_PER_VM 2
#define MAX_TUNNELS_PER_VM 3
#define MAX_CLIENTS_PER_VM 3

static void
fuzz_file_free (VsaFuzzFile *file)
{
  g_free (file->content);
  g_free (file);
}

static void
add_output (GPtrArray *out, VsaFuzzFileKind kind, const char *content)
{
  VsaFuzzFile *file = g_new0 (VsaFuzzFile, 1);

  file->kind = kind;
  file->content = g_strdup (content);
  g_ptr_array_add (out, file);
}

static GPtrArray *
new_outputs (void)
{
  return g_ptr_array_new_with_free_func ((GDestroyNotify) fuzz_file_free);
}

const char *
vsa_fuzz_file_kind_name (VsaFuzzFileKind kind)
{
  static const char *const names[] = {
    [VSA_FUZZ_SUDOERS] = "sudoers",
    [VSA_FUZZ_CLIENT_NFT] = "client nft",
    [VSA_FUZZ_SSHD_DROP_IN] = "sshd drop-in",
    [VSA_FUZZ_AUTHORIZED_KEYS] = "authorized_keys",
    [VSA_FUZZ_NFT] = "server nft",
  };

  return names[kind];
}

/* Whole lines only: a file that ends mid-line would run into whatever
 * the tool reads next (sshd's Include, nft's next command). */
void
vsa_fuzz_check_outputs (GPtrArray *files)
{
  for (guint i = 0; i < files->len; i++)
    {
      const VsaFuzzFile *file = g_ptr_array_index (files, i);

      VSA_FUZZ_ASSERT (g_str_has_suffix (file->content, "\n"), "a rendered file ends mid-line",
                       file->content);
    }
}

int
vsa_fuzz_render_one (VsaFuzzRenderFunc render, const uint8_t *data, size_t size)
{
  g_autoptr (GPtrArray) files = render (data, size);

  if (files != NULL)
    vsa_fuzz_check_outputs (files);
  return 0;
}

/* --- sudoers (client render) --------------------------------------------- */

/* Every rule needs a CA; its content is not what is being fuzzed. */
static const char fuzz_ca[] =
  "-----BEGIN CERTIFICATE-----\nMIIBfuzz\n-----END CERTIFICATE-----\n";

/* Fields: nopasswd ("1" or not), remote-viewer path, group, this client,
 * server name ("" none), server subject ("" none); then per VM: name,
 * address, tls-port, auth ("sasl" or not), then MAX_USERS_PER_VM times
 * user, client. */
static VsaClientPolicy *
client_policy_from_fields (VsaFuzzFields *f)
{
  g_autoptr (VsaClientPolicy) policy = vsa_client_policy_new ();

  policy->server_name = g_strdup (vsa_fuzz_fields_next_or_null (f));
  policy->server_subject = g_strdup (vsa_fuzz_fields_next_or_null (f));
  policy->ca_pem = g_strdup (fuzz_ca);
  for (guint i = 0; i < MAX_VMS && !vsa_fuzz_fields_done (f); i++)
    {
      const char *name = vsa_fuzz_fields_next (f);
      const char *address = vsa_fuzz_fields_next (f);
      int port = vsa_fuzz_fields_next_clamped (f, -1, 70000);
      gboolean sasl = g_str_equal (vsa_fuzz_fields_next (f), "sasl");
      VsaClientVm *vm = vsa_client_vm_new (name, address, port,
                                           sasl ? VSA_AUTH_SASL : VSA_AUTH_PASSWORD);

      vsa_client_policy_add_vm (policy, vm);
      for (guint j = 0; j < MAX_USERS_PER_VM && !vsa_fuzz_fields_done (f); j++)
        {
          const char *user = vsa_fuzz_fields_next (f);
          const char *clients[] = { vsa_fuzz_fields_next (f), NULL };

          vsa_policy_assign (vm->policy, user, clients);
        }
    }
  return g_steal_pointer (&policy);
}

/* Every user of the policy exists on this fuzzed client host. */
static GHashTable *
uids_for (const VsaClientPolicy *policy)
{
  GHashTable *uids = g_hash_table_new (g_str_hash, g_str_equal);

  for (guint i = 0; i < policy->vms->len; i++)
    {
      VsaClientVm *vm = g_ptr_array_index (policy->vms, i);

      for (guint j = 0; j < vm->policy->access->len; j++)
        g_hash_table_insert (uids, ((VsaAccess *) g_ptr_array_index (vm->policy->access, j))->user,
                             GUINT_TO_POINTER (1000 + g_hash_table_size (uids)));
    }
  return uids;
}

static const char sudoers_specials[] = ",:=!#*?[]";

/* A word of a pinned command: printable ASCII without white space,
 * quotes or backslashes, except a backslash before a special character
 * (vsa_sudoers_escape_arg's documented escaping). */
static void
check_sudoers_word (const char *word, const char *line)
{
  VSA_FUZZ_ASSERT (*word != '\0', "sudoers: empty command word", line);
  for (const char *p = word; *p; p++)
    {
      if (*p == '\\')
        {
          VSA_FUZZ_ASSERT (p[1] != '\0' && strchr (sudoers_specials, p[1]) != NULL,
                           "sudoers: backslash that escapes nothing", line);
          p++;
          continue;
        }
      VSA_FUZZ_ASSERT (*p > ' ' && *p < 0x7f && *p != '"' && strchr (sudoers_specials, *p) == NULL,
                       "sudoers: unescaped special character in an argument", line);
    }
}

/* "PROG -- ARG..." with an optional ", \" continuation; returns whether
 * the rule goes on on the next line.  Words are separated by one space. */
static gboolean
check_sudoers_command (const char *command, const char *line)
{
  g_autofree char *copy = g_strdup (command);
  gboolean continued = g_str_has_suffix (copy, ", \\");
  char *dashes;

  if (continued)
    copy[strlen (copy) - 3] = '\0';
  dashes = strstr (copy, " -- ");
  VSA_FUZZ_ASSERT (dashes != NULL, "sudoers: a command without ' -- '", line);
  *dashes = '\0';
  check_sudoers_word (copy, line);
  {
    g_auto (GStrv) args = g_strsplit (dashes + 4, " ", -1);

    for (guint i = 0; args[i]; i++)
      check_sudoers_word (args[i], line);
  }
  return continued;
}

/* "USER ALL=(USER:GROUP) [NOPASSWD: ]COMMAND" */
static gboolean
check_sudoers_rule_head (const char *line)
{
  const char *all = strstr (line, " ALL=(");
  const char *close = all ? strstr (all, ") ") : NULL;
  g_autofree char *user = all ? g_strndup (line, (gsize) (all - line)) : NULL;
  g_autofree char *runas = close ? g_strndup (all + 6, (gsize) (close - all - 6)) : NULL;
  const char *command = close ? close + 2 : NULL;

  VSA_FUZZ_ASSERT (close != NULL, "sudoers: a line that is no rule", line);
  VSA_FUZZ_ASSERT (vsa_validate_user_name (user, NULL), "sudoers: rule for a bad user name", line);
  VSA_FUZZ_ASSERT (strspn (runas, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-:")
                   == strlen (runas), "sudoers: odd run-as list", line);
  if (g_str_has_prefix (command, "NOPASSWD: "))
    command += strlen ("NOPASSWD: ");
  return check_sudoers_command (command, line);
}

static void
check_sudoers (const char *text)
{
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  gboolean continued = FALSE;

  for (guint i = 0; lines[i]; i++)
    {
      const char *line = lines[i];

      VSA_FUZZ_ASSERT (strchr (line, '\r') == NULL, "sudoers: carriage return", line);
      if (continued)
        {
          VSA_FUZZ_ASSERT (g_str_has_prefix (line, "    "), "sudoers: broken continuation", line);
          continued = check_sudoers_command (line + 4, line);
        }
      else if (*line == '\0' || *line == '#')
        continue;
      else if (g_str_has_prefix (line, "Defaults!"))
        {
          const char *tail = strchr (line, ' ');
          g_autofree char *program = tail ? g_strndup (line + 9, (gsize) (tail - line - 9)) : NULL;

          VSA_FUZZ_ASSERT (program != NULL, "sudoers: Defaults without a command", line);
          check_sudoers_word (program, line);
          VSA_FUZZ_ASSERT (g_str_equal (tail, " env_keep += \"DISPLAY XAUTHORITY WAYLAND_DISPLAY XDG_RUNTIME_DIR\""),
                           "sudoers: Defaults line changed", line);
        }
      else
        continued = check_sudoers_rule_head (line);
    }
  VSA_FUZZ_ASSERT (!continued, "sudoers: ends inside a rule", text);
}

/* The client firewall has no quoted strings at all: any quote, backslash
 * or stray comment marker outside the header came from a field. */
static void
check_client_nft (const char *text)
{
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);

  for (guint i = 0; lines[i]; i++)
    if (lines[i][0] != '#')
      VSA_FUZZ_ASSERT (strpbrk (lines[i], "\"\\#;\r") == NULL ||
                       strstr (lines[i], "policy accept;") != NULL,
                       "client nft: quote, backslash or comment in a rule", lines[i]);
}

static void
collect_client_outputs (GPtrArray *files, GPtrArray *out)
{
  for (guint i = 0; i < files->len; i++)
    {
      VsaClientFile *file = g_ptr_array_index (files, i);

      if (file->kind == VSA_CLIENT_FILE_SUDOERS)
        {
          check_sudoers (file->content);
          add_output (out, VSA_FUZZ_SUDOERS, file->content);
        }
      else if (file->kind == VSA_CLIENT_FILE_NFT)
        {
          check_client_nft (file->content);
          add_output (out, VSA_FUZZ_CLIENT_NFT, file->content);
        }
    }
}

GPtrArray *
vsa_fuzz_render_sudoers (const uint8_t *data, size_t size)
{
  g_auto (VsaFuzzFields) f = { 0 };
  g_autoptr (VsaClientPolicy) policy = NULL;
  g_autoptr (GHashTable) uids = NULL;
  g_autoptr (GPtrArray) files = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) out = new_outputs ();
  VsaClientRenderOptions opts = { 0 };

  vsa_fuzz_fields_init (&f, data, size);
  opts.nopasswd = g_str_equal (vsa_fuzz_fields_next (&f), "1");
  opts.remote_viewer = vsa_fuzz_fields_next (&f);
  opts.group = vsa_fuzz_fields_next (&f);
  opts.client = vsa_fuzz_fields_next (&f);
  opts.prefix = "/";
  opts.launcher = "/usr/libexec/virt-spice-admin-client-open";
  opts.program = "/usr/bin/virt-spice-admin";
  opts.firewall = VSA_FIREWALL_NFT;
  opts.templates = vsa_templates_lookup;
  policy = client_policy_from_fields (&f);
  if (!vsa_client_policy_validate (policy, &error))
    {
      vsa_fuzz_check_error (error);
      return NULL;
    }
  uids = uids_for (policy);
  opts.policy = policy;
  opts.uids = uids;
  files = vsa_client_render (&opts, &error);
  if (files == NULL)
    {
      vsa_fuzz_check_error (error);
      return NULL;
    }
  collect_client_outputs (files, out);
  return g_steal_pointer (&out);
}

/* --- sshd drop-in and authorized_keys (tunnel render) -------------------- */

/* Real keys (tests/data/tunnel/keys), chosen by index: random bytes are
 * never a valid key, and the key is not the field being fuzzed here
 * (vsa_ssh_key_parse has the metadata target). */
static const struct {
  const char *type;
  const char *blob;
} fuzz_keys[] = {
  { "ssh-ed25519", "AAAAC3NzaC1lZDI1NTE5AAAAIOePNsBpR00K8g0TMvcxJPKl/EZQBOB/5NMY4kagXxqD" },
  { "ssh-ed25519", "AAAAC3NzaC1lZDI1NTE5AAAAIDJ2KzvUqlYff3w+zhtjwjwxHEtKHeCUzz9ByTIuDRPE" },
  { "ecdsa-sha2-nistp256",
    "AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBOWl1FCZ1M/iw6XX152rCKVyZ7z4dw0oBDAh3quujMm0pv6BBYbn9VM6rO23YV2zEw7pIiu2okxFnVVywRet0Xk=" },
};

/* Fields per tunnel: user, from ("" none), key index, comment ("" none). */
static void
append_tunnel (GString *xml, VsaFuzzFields *f)
{
  const char *user = vsa_fuzz_fields_next (f);
  const char *from = vsa_fuzz_fields_next_or_null (f);
  guint key = (guint) (vsa_fuzz_fields_next_int (f) & 0xff) % G_N_ELEMENTS (fuzz_keys);
  const char *comment = vsa_fuzz_fields_next_or_null (f);
  g_autofree char *element = g_markup_printf_escaped (
    "<vsa:tunnel user='%s' type='%s' key='%s'", user, fuzz_keys[key].type, fuzz_keys[key].blob);

  g_string_append (xml, element);
  if (from)
    {
      g_autofree char *attr = g_markup_printf_escaped (" from='%s'", from);
      g_string_append (xml, attr);
    }
  if (comment)
    {
      g_autofree char *attr = g_markup_printf_escaped (" comment='%s'", comment);
      g_string_append (xml, attr);
    }
  g_string_append (xml, "/>\n");
}

/* Fields per VM: name, listen address, tls-port, number of tunnels, then
 * the tunnels.  The name is element text, where a newline stays one. */
static char *
tunnel_domain_from_fields (VsaFuzzFields *f)
{
  g_autoptr (GString) xml = g_string_new (NULL);
  const char *name = vsa_fuzz_fields_next (f);
  const char *listen = vsa_fuzz_fields_next (f);
  const char *port = vsa_fuzz_fields_next (f);
  guint n_tunnels = (guint) (vsa_fuzz_fields_next_int (f) & 0xff) % (MAX_TUNNELS_PER_VM + 1);
  g_autofree char *head = g_markup_printf_escaped (
    "<domain type='kvm'><name>%s</name><metadata>"
    "<vsa:console xmlns:vsa='http://virt-spice-admin.org/xmlns/console/1.0' auth='password'>\n",
    name);
  g_autofree char *tail = g_markup_printf_escaped (
    "</vsa:console></metadata><devices>"
    "<graphics type='spice' autoport='no' tlsPort='%s' defaultMode='secure'>"
    "<listen type='address' address='%s'/></graphics></devices></domain>", port, listen);

  g_string_append (xml, head);
  for (guint i = 0; i < n_tunnels; i++)
    append_tunnel (xml, f);
  g_string_append (xml, tail);
  return g_string_free (g_steal_pointer (&xml), FALSE);
}

static const char *const sshd_keywords[] = {
  "AuthenticationMethods publickey", "PubkeyAuthentication yes", "PasswordAuthentication no",
  "KbdInteractiveAuthentication no", "AuthorizedKeysFile /etc/ssh/vsa-tunnel-keys/%u",
  "AuthorizedKeysCommand none", "AllowTcpForwarding local", "PermitListen none",
  "GatewayPorts no", "X11Forwarding no", "AllowAgentForwarding no",
  "AllowStreamLocalForwarding no", "PermitTunnel no", "PermitTTY no", "PermitUserRC no",
  "ForceCommand /bin/sleep infinity",
  /* the block refusing logins from outside the user's from= networks */
  "PubkeyAuthentication no", "HostbasedAuthentication no", "GSSAPIAuthentication no",
  "AuthorizedKeysFile none", "AllowTcpForwarding no", "ForceCommand /usr/sbin/nologin",
};

/* 127.0.0.1:PORT or [::1]:PORT, as the renderer writes destinations. */
static gboolean
is_destination (const char *text)
{
  const char *colon = strrchr (text, ':');
  g_autofree char *host = colon ? g_strndup (text, (gsize) (colon - text)) : NULL;
  guint64 port;

  if (colon == NULL || !g_ascii_string_to_unsigned (colon + 1, 10, 1, 65535, &port, NULL))
    return FALSE;
  if (host[0] == '[')
    return g_str_has_suffix (host, "]") &&
           strspn (host + 1, "0123456789abcdefABCDEF:.") == strlen (host) - 2;
  return strspn (host, "0123456789.") == strlen (host);
}

static void
check_sshd_setting (const char *line)
{
  const char *setting = line + 4;

  VSA_FUZZ_ASSERT (g_str_has_prefix (line, "    ") && setting[0] != ' ',
                   "sshd drop-in: a line outside the template", line);
  if (g_str_has_prefix (setting, "PermitOpen "))
    {
      g_auto (GStrv) destinations = g_strsplit (setting + strlen ("PermitOpen "), " ", -1);

      for (guint i = 0; destinations[i]; i++)
        VSA_FUZZ_ASSERT (is_destination (destinations[i]), "sshd drop-in: odd PermitOpen", line);
      return;
    }
  for (gsize i = 0; i < G_N_ELEMENTS (sshd_keywords); i++)
    if (g_str_equal (setting, sshd_keywords[i]))
      return;
  vsa_fuzz_fail ("sshd drop-in: a setting the template does not have", line);
}

/* "NAME" or "NAME Address NET,NET..." (each NET as vsa_validate_ssh_from
 * takes it). */
static gboolean
is_match_criteria (const char *criteria)
{
  const char *space = strchr (criteria, ' ');
  g_autofree char *user = space ? g_strndup (criteria, (gsize) (space - criteria)) : g_strdup (criteria);
  g_auto (GStrv) networks = NULL;

  if (!vsa_validate_tunnel_user (user, NULL))
    return FALSE;
  if (space == NULL)
    return TRUE;
  if (!g_str_has_prefix (space, " Address ") || strchr (space + strlen (" Address "), ' ') != NULL)
    return FALSE;
  networks = g_strsplit (space + strlen (" Address "), ",", -1);
  for (guint i = 0; networks[i]; i++)
    if (!vsa_validate_ssh_from (networks[i], NULL))
      return FALSE;
  return TRUE;
}

/* Comments, blank lines, "Match User NAME [Address NETS]" and the
 * templates' settings, nothing else: a field that broke a line shows up as
 * a stray line. */
static void
check_sshd_drop_in (const char *text)
{
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  gboolean in_match = FALSE;

  for (guint i = 0; lines[i]; i++)
    {
      const char *line = lines[i];

      VSA_FUZZ_ASSERT (strchr (line, '\r') == NULL, "sshd drop-in: carriage return", line);
      if (*line == '\0' || *line == '#')
        continue;
      if (g_str_has_prefix (line, "Match User "))
        {
          VSA_FUZZ_ASSERT (is_match_criteria (line + strlen ("Match User ")),
                           "sshd drop-in: Match for a bad user name or address", line);
          in_match = TRUE;
          continue;
        }
      VSA_FUZZ_ASSERT (in_match, "sshd drop-in: a setting outside a Match block", line);
      check_sshd_setting (line);
    }
}

/* One quoted option value: no quote inside, no white space. */
static const char *
check_quoted_option (const char *p, const char *name, const char *line)
{
  const char *end;

  VSA_FUZZ_ASSERT (g_str_has_prefix (p, name) && p[strlen (name)] == '"',
                   "authorized_keys: unexpected option", line);
  p += strlen (name) + 1;
  end = strchr (p, '"');
  VSA_FUZZ_ASSERT (end != NULL, "authorized_keys: unterminated option", line);
  for (const char *c = p; c < end; c++)
    VSA_FUZZ_ASSERT (*c > ' ' && *c < 0x7f && *c != '\\', "authorized_keys: odd option value", line);
  return end + 1;
}

static void
check_key_line (const char *line)
{
  static const char prefix[] = "restrict,port-forwarding,";
  const char *p = line + strlen (prefix);
  g_auto (GStrv) words = NULL;
  gboolean known = FALSE;

  VSA_FUZZ_ASSERT (g_str_has_prefix (line, prefix), "authorized_keys: line without restrict", line);
  p = check_quoted_option (p, "permitopen=", line);
  while (g_str_has_prefix (p, ",permitopen="))
    p = check_quoted_option (p + 1, "permitopen=", line);
  if (g_str_has_prefix (p, ",from="))
    p = check_quoted_option (p + 1, "from=", line);
  VSA_FUZZ_ASSERT (*p == ' ', "authorized_keys: options do not end before the key", line);
  words = g_strsplit (p + 1, " ", 3);
  for (gsize i = 0; i < G_N_ELEMENTS (fuzz_keys); i++)
    known |= g_strcmp0 (words[0], fuzz_keys[i].type) == 0 && g_strcmp0 (words[1], fuzz_keys[i].blob) == 0;
  VSA_FUZZ_ASSERT (known, "authorized_keys: the key is not the one given", line);
  VSA_FUZZ_ASSERT (words[2] == NULL || strpbrk (words[2], "\"\\") == NULL,
                   "authorized_keys: quote or backslash in a comment", line);
}

static void
check_authorized_keys (const char *text)
{
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);

  for (guint i = 0; lines[i]; i++)
    {
      VSA_FUZZ_ASSERT (strchr (lines[i], '\r') == NULL, "authorized_keys: carriage return", lines[i]);
      if (lines[i][0] != '\0' && lines[i][0] != '#')
        check_key_line (lines[i]);
    }
}

static gboolean
routes_from_fields (VsaFuzzFields *f, GPtrArray *routes)
{
  g_autoptr (GPtrArray) notes = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < MAX_VMS && !vsa_fuzz_fields_done (f); i++)
    {
      g_autofree char *xml = tunnel_domain_from_fields (f);
      g_autoptr (GError) error = NULL;
      g_autoptr (xmlDoc) doc = vsa_xml_parse (xml, strlen (xml), "fuzz domain", &error);

      if (doc == NULL || !vsa_tunnel_routes_from_domain (doc, routes, notes, &error))
        {
          vsa_fuzz_check_error (error);
          return FALSE;
        }
    }
  for (guint i = 0; i < notes->len; i++)
    vsa_fuzz_check_one_line ("tunnel note", g_ptr_array_index (notes, i));
  return TRUE;
}

GPtrArray *
vsa_fuzz_render_sshd (const uint8_t *data, size_t size)
{
  g_auto (VsaFuzzFields) f = { 0 };
  g_autoptr (GPtrArray) routes = g_ptr_array_new_with_free_func ((GDestroyNotify) vsa_tunnel_route_free);
  g_autoptr (GPtrArray) files = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) out = new_outputs ();
  VsaTunnelRenderOptions opts = { "/etc/ssh/sshd_config.d", "/etc/ssh/vsa-tunnel-keys",
                                  "/bin/sleep infinity" };

  g_assert_true (vsa_sshd_tunnel_templates (&opts.templates, NULL));
  vsa_fuzz_fields_init (&f, data, size);
  if (!routes_from_fields (&f, routes))
    return NULL;
  files = vsa_tunnel_render (routes, &opts, &error);
  if (files == NULL)
    {
      vsa_fuzz_check_error (error);
      return NULL;
    }
  for (guint i = 0; i < files->len; i++)
    {
      VsaRenderedFile *file = g_ptr_array_index (files, i);
      gboolean drop_in = i == 0;

      if (drop_in)
        check_sshd_drop_in (file->content);
      else
        check_authorized_keys (file->content);
      add_output (out, drop_in ? VSA_FUZZ_SSHD_DROP_IN : VSA_FUZZ_AUTHORIZED_KEYS, file->content);
    }
  return g_steal_pointer (&out);
}

/* --- server nft ---------------------------------------------------------- */

/* Fields per VM: tls-port, number of clients, the clients. */
static VsaNftVm *
nft_vm_from_fields (VsaFuzzFields *f)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (VsaNftVm) vm = vsa_nft_vm_new (vsa_fuzz_fields_next_clamped (f, -1, 70000),
                                            &error);
  guint n_clients = (guint) (vsa_fuzz_fields_next_int (f) & 0xff) % (MAX_CLIENTS_PER_VM + 1);

  if (vm == NULL)
    {
      vsa_fuzz_check_error (error);
      return NULL;
    }
  for (guint i = 0; i < n_clients; i++)
    if (!vsa_nft_vm_add_client (vm, vsa_fuzz_fields_next (f), &error))
      {
        vsa_fuzz_check_error (error);
        return NULL;
      }
  return g_steal_pointer (&vm);
}

/* Fields: reject mode ("reset" or "drop"), table, priority, log prefix. */
static gboolean
nft_settings_from_fields (VsaFuzzFields *f, VsaNftSettings *st)
{
  const char *reject = vsa_fuzz_fields_next (f);
  g_autoptr (GError) error = NULL;

  st->table = vsa_fuzz_fields_next (f);
  st->priority = vsa_fuzz_fields_next_clamped (f, G_MININT, G_MAXINT);
  st->log_prefix = vsa_fuzz_fields_next (f);
  if (!vsa_nft_reject_mode_from_string (reject, &st->reject, &error) ||
      !vsa_nft_validate_table_name (st->table, &error) ||
      !vsa_nft_validate_priority (st->priority, &error) ||
      !vsa_nft_validate_log_prefix (st->log_prefix, &error))
    {
      vsa_fuzz_check_error (error);
      return FALSE;
    }
  return TRUE;
}

/* Commands only; the one quoted string is the log prefix, which has no
 * escapes and so must hold no quote or backslash. */
static void
check_nft (const char *text)
{
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);

  VSA_FUZZ_ASSERT (g_str_has_suffix (text, "\n"), "nft: last line unterminated", text);
  for (guint i = 0; lines[i] && lines[i + 1]; i++)
    {
      const char *line = lines[i];
      const char *quote = strchr (line, '"');

      VSA_FUZZ_ASSERT (g_str_has_prefix (line, "add ") || g_str_has_prefix (line, "delete ") ||
                       g_str_has_prefix (line, "flush "), "nft: a line that is no command", line);
      g_autofree char *unquoted = g_strndup (line, quote ? (gsize) (quote - line) : strlen (line));

      /* Inside the quotes '#' is text; outside it would start a comment. */
      VSA_FUZZ_ASSERT (strpbrk (unquoted, "\\#\r") == NULL, "nft: backslash or comment", line);
      if (quote == NULL)
        continue;
      VSA_FUZZ_ASSERT (strstr (line, " log prefix \"") == quote - strlen (" log prefix "),
                       "nft: a quote outside the log prefix", line);
      VSA_FUZZ_ASSERT (strchr (quote + 1, '"') != NULL && strchr (quote + 1, '"')[1] == '\0' &&
                       strpbrk (quote + 1, "\\\r") == NULL,
                       "nft: the log prefix is not one quoted string", line);
    }
}

static void
add_nft_output (GPtrArray *out, char *text)
{
  check_nft (text);
  add_output (out, VSA_FUZZ_NFT, text);
  g_free (text);
}

/* Every transaction the firewall sends: add, remove and replace for the
 * first VM (replacing what the second holds), sync of all, flush. */
GPtrArray *
vsa_fuzz_render_nft (const uint8_t *data, size_t size)
{
  g_auto (VsaFuzzFields) f = { 0 };
  g_autoptr (GPtrArray) vms = g_ptr_array_new_with_free_func ((GDestroyNotify) vsa_nft_vm_free);
  g_autoptr (GPtrArray) out = new_outputs ();
  VsaNftSettings st = { 0 };
  VsaNftVm *first;

  vsa_fuzz_fields_init (&f, data, size);
  if (!nft_settings_from_fields (&f, &st))
    return NULL;
  for (guint i = 0; i < MAX_VMS && !vsa_fuzz_fields_done (&f); i++)
    {
      VsaNftVm *vm = nft_vm_from_fields (&f);

      if (vm == NULL)
        return NULL;
      /* The firewall renders running VMs only, and two running VMs never
       * share a TLS port (qemu could not bind it): such inputs say
       * nothing about real rulesets. */
      for (guint j = 0; j < vms->len; j++)
        if (((VsaNftVm *) g_ptr_array_index (vms, j))->port == vm->port)
          {
            vsa_nft_vm_free (vm);
            return NULL;
          }
      g_ptr_array_add (vms, vm);
    }
  add_nft_output (out, vsa_nft_render_sync (&st, vms));
  add_nft_output (out, vsa_nft_render_flush (&st));
  if (vms->len == 0)
    return g_steal_pointer (&out);
  first = g_ptr_array_index (vms, 0);
  add_nft_output (out, vsa_nft_render_add_vm (&st, first));
  add_nft_output (out, vsa_nft_render_remove_vm (&st, first));
  add_nft_output (out, vsa_nft_render_replace_vm (&st, first,
                                                   vms->len > 1 ? g_ptr_array_index (vms, 1) : NULL));
  return g_steal_pointer (&out);
}

VsaFuzzRenderFunc
vsa_fuzz_renderer (const char *target)
{
  if (g_strcmp0 (target, "sudoers") == 0)
    return vsa_fuzz_render_sudoers;
  if (g_strcmp0 (target, "sshd") == 0)
    return vsa_fuzz_render_sshd;
  if (g_strcmp0 (target, "nft") == 0)
    return vsa_fuzz_render_nft;
  return NULL;
}
