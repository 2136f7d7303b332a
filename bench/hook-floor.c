/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* bench/hook-floor: what the hook worker costs before it does anything of
 * its own: the dynamic loader mapping and relocating the libraries it
 * links (GLib, GIO, libxml2 with ICU, json-glib, libnftables), their
 * initialisation, and one nftables context (its netlink socket and
 * cache set-up).  bench/hook-latency runs it beside the hook, so the
 * share of the hook's time that is this floor is visible.  Not a test. */
#include <glib.h>
#include <json-glib/json-glib.h>
#include <libxml/parser.h>
#include <nftables/libnftables.h>
#include <stdio.h>

int
main (int argc, char **argv)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  struct nft_ctx *nft;

  xmlInitParser ();
  /* Like the worker: a context created once, never freed (see
   * core/vsa-firewall-run.c), and one command run through it. */
  nft = nft_ctx_new (NFT_CTX_DEFAULT);
  if (nft == NULL)
    return 1;
  nft_ctx_buffer_output (nft);
  nft_ctx_buffer_error (nft);
  if (argc > 1 && nft_run_cmd_from_buffer (nft, argv[1]) != 0)
    fputs (nft_ctx_get_error_buffer (nft), stderr);
  return 0;
}
