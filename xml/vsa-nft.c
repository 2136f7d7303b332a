/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "vsa-nft.h"
#include "vsa-address.h"
#include "vsa-error.h"

#include <arpa/inet.h>
#include <string.h>

void
vsa_nft_client_free (VsaNftClient *client)
{
  if (client == NULL)
    return;
  g_free (client->text);
  g_free (client);
}

static VsaNftClient *
client_from_bytes (int af, guint8 bytes[16], guint prefix_len)
{
  g_autoptr (VsaNftClient) client = g_new0 (VsaNftClient, 1);
  guint full = vsa_inet_family_bits (af);
  char address[INET6_ADDRSTRLEN];

  vsa_inet_clear_host_bits (bytes, af, prefix_len);
  inet_ntop (af, bytes, address, sizeof address);
  client->family = af == AF_INET ? VSA_NFT_IPV4 : VSA_NFT_IPV6;
  memcpy (client->bytes, bytes, sizeof client->bytes);
  client->prefix_len = prefix_len;
  client->text = prefix_len == full ? g_strdup (address)
                                    : g_strdup_printf ("%s/%u", address, prefix_len);
  return g_steal_pointer (&client);
}

/* Accepts "ADDRESS" or "ADDRESS/LEN" for IPv4 and IPv6.  Host names are
 * refused: the kernel matches addresses, and a name resolved once would
 * silently go stale. */
VsaNftClient *
vsa_nft_client_parse (const char *text, GError **error)
{
  guint8 bytes[16];
  guint prefix_len = 0;
  int af = AF_INET6;
  VsaInetNetworkStatus status = vsa_inet_parse_network (text, &af, bytes, &prefix_len);

  if (status == VSA_INET_NETWORK_BAD_ADDRESS)
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_INVALID,
                   "client '%s' is not an IPv4 or IPv6 address (or ADDRESS/PREFIX); host names "
                   "are refused because the firewall matches addresses: give the client's address",
                   text ? text : "");
      return NULL;
    }
  if (status == VSA_INET_NETWORK_BAD_PREFIX)
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_INVALID,
                   "client '%s' has a bad prefix length; use 0 to %u after the '/'",
                   text, vsa_inet_family_bits (af));
      return NULL;
    }
  return client_from_bytes (af, bytes, prefix_len);
}

gboolean
vsa_nft_validate_client (const char *text, GError **error)
{
  g_autoptr (VsaNftClient) client = vsa_nft_client_parse (text, error);

  return client != NULL;
}

void
vsa_nft_vm_free (VsaNftVm *vm)
{
  if (vm == NULL)
    return;
  g_ptr_array_unref (vm->clients);
  g_free (vm);
}

VsaNftVm *
vsa_nft_vm_new (int port, GError **error)
{
  VsaNftVm *vm;

  if (port < 1 || port > 65535)
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_INVALID,
                   "TLS port %d is not a TCP port; the VM needs a fixed tlsPort for its firewall "
                   "rules (run 'virt-spice-admin secure')", port);
      return NULL;
    }
  vm = g_new0 (VsaNftVm, 1);
  vm->port = port;
  vm->clients = g_ptr_array_new_with_free_func ((GDestroyNotify) vsa_nft_client_free);
  return vm;
}

static gboolean
vm_has_client (const VsaNftVm *vm, const char *canonical)
{
  for (guint i = 0; i < vm->clients->len; i++)
    if (g_strcmp0 (((VsaNftClient *) g_ptr_array_index (vm->clients, i))->text, canonical) == 0)
      return TRUE;
  return FALSE;
}

static gboolean
client_is_network (const VsaNftClient *client)
{
  return client->prefix_len < (client->family == VSA_NFT_IPV4 ? 32u : 128u);
}

/* TRUE when every address NET matches is matched by OUTER as well
 * (equal clients included). */
static gboolean
client_within (const VsaNftClient *net, const VsaNftClient *outer)
{
  guint8 bytes[16];

  if (net->family != outer->family || net->prefix_len < outer->prefix_len)
    return FALSE;
  memcpy (bytes, net->bytes, sizeof bytes);
  vsa_inet_clear_host_bits (bytes, outer->family == VSA_NFT_IPV4 ? AF_INET : AF_INET6,
                            outer->prefix_len);
  return memcmp (bytes, outer->bytes, sizeof bytes) == 0;
}

/* A set holds each key once, and an interval set refuses a network that
 * overlaps one it holds ("File exists"); two prefixes overlap only when
 * one contains the other.  So several users on one client host give one
 * element, and of nested networks only the outer one is kept: it already
 * lets in everyone the inner one would.  Single addresses live in their
 * own hash sets and never conflict with networks. */
static void
add_parsed_client (VsaNftVm *vm, VsaNftClient *owned_client)
{
  g_autoptr (VsaNftClient) client = owned_client;

  if (vm_has_client (vm, client->text))
    return;
  if (client_is_network (client))
    {
      for (guint i = 0; i < vm->clients->len; i++)
        {
          const VsaNftClient *held = g_ptr_array_index (vm->clients, i);

          if (client_is_network (held) && client_within (client, held))
            return;
        }
      for (guint i = vm->clients->len; i-- > 0;)
        {
          const VsaNftClient *held = g_ptr_array_index (vm->clients, i);

          if (client_is_network (held) && client_within (held, client))
            g_ptr_array_remove_index (vm->clients, i);
        }
    }
  g_ptr_array_add (vm->clients, g_steal_pointer (&client));
}

gboolean
vsa_nft_vm_add_client (VsaNftVm *vm, const char *text, GError **error)
{
  VsaNftClient *client = vsa_nft_client_parse (text, error);

  if (client == NULL)
    return FALSE;
  add_parsed_client (vm, client);
  return TRUE;
}

/* The firewall's rule for one client entry of USER, as the hook applies
 * it at prepare (vsa_nft_vm_from_policy) and show and audit report it. */
static VsaNftClient *
parse_policy_client (const char *user, const char *text, GError **error)
{
  VsaNftClient *client = vsa_nft_client_parse (text, error);

  if (client == NULL)
    g_prefix_error (error, "user '%s': ", user);
  return client;
}

/* Appends to PROBLEMS (char *) one line per client entry of POLICY the
 * server firewall cannot hold, so the hook refuses the start when the
 * firewall is on: a host name typed by hand into the metadata. */
void
vsa_nft_find_refused_clients (const VsaPolicy *policy, GPtrArray *problems)
{
  for (guint i = 0; i < policy->access->len; i++)
    {
      VsaAccess *access = g_ptr_array_index (policy->access, i);

      for (guint j = 0; j < access->clients->len; j++)
        {
          g_autoptr (GError) error = NULL;
          g_autoptr (VsaNftClient) client =
            parse_policy_client (access->user, g_ptr_array_index (access->clients, j), &error);

          if (client == NULL)
            g_ptr_array_add (problems, g_strdup (error->message));
        }
    }
}

VsaNftVm *
vsa_nft_vm_from_policy (const VsaPolicy *policy, int port, GDateTime *now, GError **error)
{
  g_autoptr (VsaNftVm) vm = vsa_nft_vm_new (port, error);

  if (vm == NULL)
    return NULL;
  for (guint i = 0; i < policy->access->len; i++)
    {
      VsaAccess *access = g_ptr_array_index (policy->access, i);
      gboolean admitted = now == NULL || vsa_window_set_is_open (access->when, now, NULL);

      for (guint j = 0; j < access->clients->len; j++)
        {
          VsaNftClient *client =
            parse_policy_client (access->user, g_ptr_array_index (access->clients, j), error);

          if (client == NULL)
            return NULL;
          if (admitted)
            add_parsed_client (vm, client);
          else
            vsa_nft_client_free (client);
        }
    }
  return g_steal_pointer (&vm);
}

/* ------------------------------------------------------------------ */
/* Rendering                                                           */

/* The four client sets: exact addresses in hash sets (constant-time
 * lookups), prefixes in interval sets. */
typedef enum {
  SET_CLIENTS4,
  SET_CLIENTS6,
  SET_NETS4,
  SET_NETS6,
  N_CLIENT_SETS
} ClientSet;

static const struct {
  const char *name;
  const char *family_match;
  const char *key_type;
  gboolean interval;
} client_sets[N_CLIENT_SETS] = {
  [SET_CLIENTS4] = { "clients4", "ip", "ipv4_addr", FALSE },
  [SET_CLIENTS6] = { "clients6", "ip6", "ipv6_addr", FALSE },
  [SET_NETS4] = { "nets4", "ip", "ipv4_addr", TRUE },
  [SET_NETS6] = { "nets6", "ip6", "ipv6_addr", TRUE },
};

/* Ticket addresses, one set per family, typed as clients4 and clients6
 * (client_sets[0] and [1]). */
static const char *const ticket_sets[] = { "tickets4", "tickets6" };

static ClientSet
client_set_of (const VsaNftClient *client)
{
  gboolean single = client->prefix_len == (client->family == VSA_NFT_IPV4 ? 32u : 128u);

  if (client->family == VSA_NFT_IPV4)
    return single ? SET_CLIENTS4 : SET_NETS4;
  return single ? SET_CLIENTS6 : SET_NETS6;
}

static void
render_table (GString *s, const VsaNftSettings *st)
{
  g_string_append_printf (s, "add table inet %s\n", st->table);
  g_string_append_printf (s, "add set inet %s ports { type inet_service; }\n", st->table);
  for (gsize i = 0; i < N_CLIENT_SETS; i++)
    g_string_append_printf (s, "add set inet %s %s { type %s . inet_service;%s }\n", st->table,
                            client_sets[i].name, client_sets[i].key_type,
                            client_sets[i].interval ? " flags interval;" : "");
  /* Per-port rejection counters as elements of a set, not named counter
   * objects: libnftables fetches every object of the table before each
   * transaction, which would make one VM's change cost O(VMs). */
  g_string_append_printf (s, "add set inet %s rejected { type inet_service; flags dynamic; counter; }\n",
                          st->table);
  /* The console broker's tickets: while a port is bound, only the
   * ticket's address may open connections to it (see render_bind). */
  g_string_append_printf (s, "add set inet %s bound { type inet_service; flags timeout; }\n", st->table);
  for (gsize i = 0; i < G_N_ELEMENTS (ticket_sets); i++)
    g_string_append_printf (s, "add set inet %s %s { type %s . inet_service; flags timeout; }\n",
                            st->table, ticket_sets[i], client_sets[i].key_type);
}

/* The rules are rewritten in every transaction that ensures the table
 * (flush + add inside it, so there is no moment without them): sync,
 * assign on a running VM, a start that found the table missing.  Whatever
 * edited them, the next of those restores them, and they never pile up. */
static void
render_chains (GString *s, const VsaNftSettings *st)
{
  const char *t = st->table;

  g_string_append_printf (s, "add chain inet %s input { type filter hook input priority %d; policy accept; }\n",
                          t, st->priority);
  g_string_append_printf (s, "add chain inet %s guard\n", t);
  g_string_append_printf (s, "add chain inet %s refuse\n", t);
  g_string_append_printf (s, "flush chain inet %s input\n", t);
  g_string_append_printf (s, "flush chain inet %s guard\n", t);
  g_string_append_printf (s, "flush chain inet %s refuse\n", t);
  g_string_append_printf (s, "add rule inet %s input tcp dport @ports jump guard\n", t);
  g_string_append_printf (s, "add rule inet %s guard iif lo accept\n", t);
  /* A bound port (a broker ticket is live) narrows the policy to the
   * ticket's address; once the binding times out the policy alone
   * decides again, so an established session goes on. */
  for (gsize i = 0; i < G_N_ELEMENTS (ticket_sets); i++)
    g_string_append_printf (s, "add rule inet %s guard tcp dport @bound %s saddr . tcp dport != @%s goto refuse\n",
                            t, client_sets[i].family_match, ticket_sets[i]);
  for (gsize i = 0; i < N_CLIENT_SETS; i++)
    g_string_append_printf (s, "add rule inet %s guard %s saddr . tcp dport @%s accept\n", t,
                            client_sets[i].family_match, client_sets[i].name);
  g_string_append_printf (s, "add rule inet %s guard goto refuse\n", t);
  g_string_append_printf (s, "add rule inet %s refuse update @rejected { tcp dport }\n", t);
  if (st->log_prefix && *st->log_prefix)
    g_string_append_printf (s, "add rule inet %s refuse log prefix \"%s \"\n", t, st->log_prefix);
  g_string_append_printf (s, "add rule inet %s refuse %s\n", t,
                          st->reject == VSA_NFT_REJECT_DROP ? "drop" : "reject with tcp reset");
}

static void
render_ensure (GString *s, const VsaNftSettings *st)
{
  render_table (s, st);
  render_chains (s, st);
}

/* "VERB element inet T SET { a . P, b . P }" for the clients of one set;
 * nothing when the VM has none there. */
static void
render_client_elements (GString *s, const char *verb, const VsaNftSettings *st,
                        const VsaNftVm *vm, ClientSet set)
{
  gboolean first = TRUE;

  for (guint i = 0; i < vm->clients->len; i++)
    {
      const VsaNftClient *c = g_ptr_array_index (vm->clients, i);

      if (client_set_of (c) != set)
        continue;
      if (first)
        g_string_append_printf (s, "%s element inet %s %s { ", verb, st->table, client_sets[set].name);
      g_string_append_printf (s, "%s%s . %d", first ? "" : ", ", c->text, vm->port);
      first = FALSE;
    }
  if (!first)
    g_string_append (s, " }\n");
}

static void
render_add_elements (GString *s, const VsaNftSettings *st, const VsaNftVm *vm)
{
  /* Adding an element that exists keeps it, counter included. */
  g_string_append_printf (s, "add element inet %s rejected { %d }\n", st->table, vm->port);
  for (gsize set = 0; set < N_CLIENT_SETS; set++)
    render_client_elements (s, "add", st, vm, (ClientSet) set);
  /* The port last: its clients are in place when it becomes guarded
   * (the transaction is atomic anyway; this keeps the text readable). */
  g_string_append_printf (s, "add element inet %s ports { %d }\n", st->table, vm->port);
}

/* nft 1.0.6 has no "destroy" (delete if present), and a delete of a
 * missing element fails the whole transaction.  Adding first makes each
 * delete certain to find its element, so removing twice, or after a
 * failed prepare, is harmless. */
static void
render_remove_elements (GString *s, const VsaNftSettings *st, const VsaNftVm *vm)
{
  g_string_append_printf (s, "add element inet %s ports { %d }\n", st->table, vm->port);
  g_string_append_printf (s, "delete element inet %s ports { %d }\n", st->table, vm->port);
  for (gsize set = 0; set < N_CLIENT_SETS; set++)
    {
      render_client_elements (s, "add", st, vm, (ClientSet) set);
      render_client_elements (s, "delete", st, vm, (ClientSet) set);
    }
  g_string_append_printf (s, "add element inet %s rejected { %d }\n", st->table, vm->port);
  g_string_append_printf (s, "delete element inet %s rejected { %d }\n", st->table, vm->port);
}

typedef void (*RenderElements) (GString *s, const VsaNftSettings *st, const VsaNftVm *vm);

/* The table ensured, then one VM's elements added or removed. */
static char *
render_vm_change (const VsaNftSettings *settings, const VsaNftVm *vm, RenderElements render)
{
  g_autoptr (GString) s = g_string_new (NULL);

  render_ensure (s, settings);
  render (s, settings, vm);
  return g_string_free (g_steal_pointer (&s), FALSE);
}

char *
vsa_nft_render_add_vm (const VsaNftSettings *settings, const VsaNftVm *vm)
{
  return render_vm_change (settings, vm, render_add_elements);
}

/* The same elements without the table: for a table that is there, one VM
 * start's whole transaction.  Declaring the base chain again re-registers
 * its hook, which makes the kernel wait for an RCU grace period (about
 * 10 ms, many times the rest), and rewriting the rules leaves the old ones
 * to be freed after one: a start pays neither when nothing is missing.  A
 * missing table or set fails this transaction, and the caller sends
 * vsa_nft_render_add_vm() instead. */
char *
vsa_nft_render_add_elements (const VsaNftSettings *settings, const VsaNftVm *vm)
{
  g_autoptr (GString) s = g_string_new (NULL);

  render_add_elements (s, settings, vm);
  return g_string_free (g_steal_pointer (&s), FALSE);
}

char *
vsa_nft_render_remove_vm (const VsaNftSettings *settings, const VsaNftVm *vm)
{
  return render_vm_change (settings, vm, render_remove_elements);
}

/* installed: the clients the table holds now for vm->port (read back from
 * the kernel); those the VM no longer has are removed, the rest added, in
 * one transaction, so a client is never cut off by a reordering. */
char *
vsa_nft_render_replace_vm (const VsaNftSettings *settings, const VsaNftVm *vm,
                           const VsaNftVm *installed)
{
  g_autoptr (GString) s = g_string_new (NULL);
  g_autoptr (VsaNftVm) stale = vsa_nft_vm_new (vm->port, NULL);

  for (guint i = 0; installed && i < installed->clients->len; i++)
    {
      const VsaNftClient *c = g_ptr_array_index (installed->clients, i);

      if (!vm_has_client (vm, c->text))
        vsa_nft_vm_add_client (stale, c->text, NULL);
    }
  render_ensure (s, settings);
  for (gsize set = 0; set < N_CLIENT_SETS; set++)
    {
      render_client_elements (s, "add", settings, stale, (ClientSet) set);
      render_client_elements (s, "delete", settings, stale, (ClientSet) set);
    }
  render_add_elements (s, settings, vm);
  return g_string_free (g_steal_pointer (&s), FALSE);
}

/* The table is deleted and built again inside one transaction: what it
 * holds afterwards is exactly the given VMs, whatever it held before
 * (stale elements, counters of stopped VMs, an old priority), and the
 * kernel never sees it half-built.  Rejection counters restart at 0. */
char *
vsa_nft_render_sync (const VsaNftSettings *settings, GPtrArray *vms)
{
  g_autoptr (GString) s = g_string_new (NULL);

  g_string_append_printf (s, "add table inet %s\n", settings->table);
  g_string_append_printf (s, "delete table inet %s\n", settings->table);
  render_ensure (s, settings);
  for (guint i = 0; i < vms->len; i++)
    render_add_elements (s, settings, g_ptr_array_index (vms, i));
  return g_string_free (g_steal_pointer (&s), FALSE);
}

/* Only our table; other tools' rules stay.  Adding it first makes the
 * delete succeed when there is nothing to flush. */
char *
vsa_nft_render_flush (const VsaNftSettings *settings)
{
  return g_strdup_printf ("add table inet %s\ndelete table inet %s\n", settings->table,
                          settings->table);
}

/* "add X; delete X" first, so the delete always finds its element; then,
 * unless only removing, X again with a fresh timeout. */
static void
render_renewed (GString *s, const VsaNftSettings *st, const char *set, const char *key,
                gboolean add, gint64 seconds)
{
  g_string_append_printf (s, "add element inet %s %s { %s }\n", st->table, set, key);
  g_string_append_printf (s, "delete element inet %s %s { %s }\n", st->table, set, key);
  if (add)
    g_string_append_printf (s, "add element inet %s %s { %s timeout %" G_GINT64_FORMAT "s }\n",
                            st->table, set, key, seconds);
}

/* The broker's address binding: for SECONDS, new connections to PORT are
 * admitted from CLIENT only (and only if the policy admits it too).
 * PREVIOUS, the address of the port's last ticket (or NULL), loses its
 * element at once: a taken-over ticket does not keep the port open. */
char *
vsa_nft_render_bind (const VsaNftSettings *settings, int port, const VsaNftClient *client,
                     const VsaNftClient *previous, gint64 seconds)
{
  g_autoptr (GString) s = g_string_new (NULL);
  g_autofree char *old_key = previous ? g_strdup_printf ("%s . %d", previous->text, port) : NULL;
  g_autofree char *key = g_strdup_printf ("%s . %d", client->text, port);
  g_autofree char *port_key = g_strdup_printf ("%d", port);

  render_ensure (s, settings);
  if (previous && g_strcmp0 (previous->text, client->text) != 0)
    render_renewed (s, settings, ticket_sets[previous->family == VSA_NFT_IPV4 ? 0 : 1],
                    old_key, FALSE, 0);
  render_renewed (s, settings, ticket_sets[client->family == VSA_NFT_IPV4 ? 0 : 1], key,
                  TRUE, seconds);
  render_renewed (s, settings, "bound", port_key, TRUE, seconds);
  return g_string_free (g_steal_pointer (&s), FALSE);
}

/* TRUE when ADDRESS (a single address) is NET or inside it. */
gboolean
vsa_nft_client_contains (const VsaNftClient *net, const VsaNftClient *address)
{
  return client_within (address, net);
}
