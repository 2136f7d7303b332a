/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Running nftables commands through libnftables (no `nft` process). */
#include "vsa-firewall-run.h"
#include "vsa-firewall.h"
#include "vsa-error.h"

#include <errno.h>
#include <linux/capability.h>
#include <linux/netlink.h>
#include <nftables/libnftables.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

/* nft reports "LOCATION: Error: WHAT" followed by the offending command and
 * a caret line; keep WHAT of the first error, so messages stay one line. */
static char *
first_nft_error (const char *buffer)
{
  const char *start = buffer ? strstr (buffer, "Error: ") : NULL;
  const char *end;

  if (start == NULL)
    return buffer && *buffer ? g_strstrip (g_strdup (buffer)) : g_strdup ("unknown nftables error");
  start += strlen ("Error: ");
  end = strchr (start, '\n');
  return end ? g_strndup (start, (gsize) (end - start)) : g_strdup (start);
}

/* Without CAP_NET_ADMIN, libnftables writes "Operation not permitted (you
 * must be root)" to stderr itself, whatever error buffer it was given:
 * refuse first, in our own one line.  (capget directly: no libcap here.) */
static gboolean
check_net_admin (GError **error)
{
  struct __user_cap_header_struct header = { _LINUX_CAPABILITY_VERSION_3, 0 };
  struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = { { 0 } };

  if (syscall (SYS_capget, &header, data) != 0 ||
      (data[CAP_NET_ADMIN / 32].effective & (1u << (CAP_NET_ADMIN % 32))) != 0)
    return TRUE;
  g_set_error (error, VSA_ERROR, VSA_ERROR_FAILED,
               "nftables needs CAP_NET_ADMIN: run as root");
  return FALSE;
}

/* libnftables calls exit() when it cannot open its netlink socket (a
 * kernel without nf_tables, user-mode Linux): probe first, so the hook
 * gets an error to report instead of dying in the middle of a release. */
static gboolean
check_netfilter_netlink (GError **error)
{
  int fd = socket (AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_NETFILTER);

  if (fd < 0)
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_FAILED,
                   "this kernel offers no nftables (netfilter netlink: %s); "
                   "set firewall = false or load nf_tables", g_strerror (errno));
      return FALSE;
    }
  close (fd);
  return TRUE;
}

/* One context for the whole process, never freed: closing its netlink
 * socket makes the kernel wait for an RCU grace period (10-20 ms here),
 * many times what a transaction costs; process exit pays it once.  A
 * resident process (the hook server) keeps it for all its requests. */
static struct nft_ctx *shared_ctx;

/* A forked child must not share its parent's netlink socket: replies to
 * one process's batch would reach the other. */
void
vsa_firewall_run_forget_context (void)
{
  if (shared_ctx != NULL)
    nft_ctx_free (shared_ctx);
  shared_ctx = NULL;
}

static struct nft_ctx *
shared_context (GError **error)
{
  if (shared_ctx == NULL && (!check_net_admin (error) || !check_netfilter_netlink (error)))
    return NULL;
  if (shared_ctx == NULL)
    shared_ctx = nft_ctx_new (NFT_CTX_DEFAULT);
  if (shared_ctx == NULL)
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_FAILED, "cannot create an nftables context");
      return NULL;
    }
  nft_ctx_buffer_output (shared_ctx);
  nft_ctx_buffer_error (shared_ctx);
  return shared_ctx;
}

/* Runs COMMANDS (any number) as one netlink batch: the kernel applies all
 * of them or nothing.  With json, returns nft's JSON output; else "". */
static char *
run_commands_locked (const char *commands, gboolean json, GError **error)
{
  struct nft_ctx *ctx = shared_context (error);
  g_autofree char *why = NULL;
  int status;

  if (ctx == NULL)
    return NULL;
  nft_ctx_output_set_flags (ctx, json ? NFT_CTX_OUTPUT_JSON : 0);
  status = nft_run_cmd_from_buffer (ctx, commands);
  /* Reading the buffers also empties them for the next call. */
  if (status == 0)
    {
      const char *output = nft_ctx_get_output_buffer (ctx);
      nft_ctx_get_error_buffer (ctx);
      return g_strdup (json && output ? output : "");
    }
  nft_ctx_get_output_buffer (ctx);
  why = first_nft_error (nft_ctx_get_error_buffer (ctx));
  g_set_error (error, VSA_ERROR, VSA_ERROR_FAILED, "%s", why);
  return NULL;
}

/* The shared context and its buffers are one per process: apply's host
 * workers take turns (each transaction is atomic in the kernel anyway). */
static char *
run_commands (const char *commands, gboolean json, GError **error)
{
  G_LOCK_DEFINE_STATIC (nft);
  char *output;

  G_LOCK (nft);
  output = run_commands_locked (commands, json, error);
  G_UNLOCK (nft);
  return output;
}

gboolean
vsa_firewall_run_script (const char *script, GError **error)
{
  g_autofree char *output = run_commands (script, FALSE, error);

  return output != NULL;
}

char *
vsa_firewall_run_json (const char *command, GError **error)
{
  return run_commands (command, TRUE, error);
}

gboolean
vsa_firewall_fail (GError **error, const VsaNftSettings *settings, const char *what, GError *cause)
{
  g_set_error (error, VSA_ERROR, VSA_ERROR_FAILED,
               "firewall: cannot %s in nftables table 'inet %s': %s (needs root and a kernel "
               "with nf_tables; or set 'firewall = false' in the configuration)",
               what, settings->table, cause->message);
  return FALSE;
}
