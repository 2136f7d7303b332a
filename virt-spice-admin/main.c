/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* virt-spice-admin: global options, the command table, and the one place
 * that prints an error and picks the exit status. */
#include "vsa-cli.h"
#include "vsa-error.h"
#include "vsa-libvirt.h"

#include <locale.h>
#include <string.h>

static const VsaCommand commands[] = {
  { "secure", vsa_cmd_secure, "Make a VM's SPICE console TLS-only with a credential" },
  { "password", vsa_cmd_password, "Set a VM's SPICE password (generated, expiring, live)" },
  { "audit", vsa_cmd_audit, "Find insecure or drifted configuration (exit 1 if any)" },
  { "status", vsa_cmd_status, "One row per VM: ports, users, volumes, firewall" },
  { "show", vsa_cmd_show, "Show a VM's console settings" },
  { "probe", vsa_cmd_probe, "Connect to a VM's console and report what happens" },
  { "ticket", vsa_cmd_ticket, "Issue a one-time console ticket and .vv file" },
  { "assign", vsa_cmd_assign, "Give a user (and client hosts) a VM's console" },
  { "unassign", vsa_cmd_unassign, "Take a VM's console away from a user" },
  { "qemu-arg", vsa_cmd_qemu_arg, "Add, remove or list <qemu:arg> passthrough" },
  { "qemu-env", vsa_cmd_qemu_env, "Set, unset or list <qemu:env> passthrough" },
  { "firewall", vsa_cmd_firewall, "Server firewall: status [VM], sync, flush" },
  { "volume", vsa_cmd_volume, "Encrypted disks: format, attach, detach, open, close, list" },
  { "tunnel", vsa_cmd_tunnel, "SSH tunnels to consoles: add, remove, render, install" },
  { "export", vsa_cmd_export, "Write the policy client hosts need (XML)" },
  { "client", vsa_cmd_client, "On a client host: render, install or check its lock-down" },
  { "apply", vsa_cmd_apply, "Converge many VMs to a manifest (--dry-run shows diffs)" },
  { "broker", vsa_cmd_broker, "Console broker: serve, install (sshd, console shell, units)" },
  { "console", vsa_cmd_console, "Ask the broker for a one-time .vv (what 'ssh USER@SERVER console VM' runs)" },
};

static char *
commands_help (void)
{
  g_autoptr (GString) s = g_string_new ("Commands:\n");

  for (gsize i = 0; i < G_N_ELEMENTS (commands); i++)
    g_string_append_printf (s, "  %-10s %s\n", commands[i].name, commands[i].summary);
  g_string_append (s, "\nRun 'virt-spice-admin COMMAND --help' for a command's options.\n\n"
                      "The libvirt URI is -c URI, else $LIBVIRT_DEFAULT_URI, else qemu:///system.\n"
                      "The configuration is --config FILE, else $" VSA_CONFIG_ENV ",\n"
                      "else " VSA_CONFIG_DEFAULT_PATH " (missing: all defaults).\n\n"
                      VSA_EXIT_CODES_HELP);
  return g_string_free (g_steal_pointer (&s), FALSE);
}

static const VsaCommand *
find_command (const char *name)
{
  for (gsize i = 0; i < G_N_ELEMENTS (commands); i++)
    if (g_strcmp0 (commands[i].name, name) == 0)
      return &commands[i];
  return NULL;
}

static gboolean
run (VsaContext *ctx, int argc, char **argv, GError **error)
{
  gboolean version = FALSE;
  GOptionEntry entries[] = {
    { "connect", 'c', 0, G_OPTION_ARG_STRING, &ctx->uri, "libvirt URI", "URI" },
    { "config", 0, 0, G_OPTION_ARG_FILENAME, &ctx->config_path, "Configuration file", "FILE" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &ctx->json, "Print results as JSON", NULL },
    { "dry-run", 0, 0, G_OPTION_ARG_NONE, &ctx->dry_run, "Show the XML diff, change nothing", NULL },
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &ctx->quiet, "Print no notes", NULL },
    { "version", 0, 0, G_OPTION_ARG_NONE, &version, "Print the version", NULL },
    { NULL }
  };
  g_autoptr (GOptionContext) octx = g_option_context_new ("COMMAND [ARGS...]");
  g_autofree char *description = commands_help ();
  g_auto (GStrv) args = g_new0 (char *, argc + 1);
  const VsaCommand *command;

  for (int i = 0; i < argc; i++)
    args[i] = g_strdup (argv[i]);
  g_option_context_set_summary (octx, "Give each VM's SPICE console to the users it belongs to.");
  g_option_context_set_description (octx, description);
  g_option_context_add_main_entries (octx, entries, NULL);
  /* Stop at the command name: the rest belongs to the command. */
  g_option_context_set_strict_posix (octx, TRUE);
  if (!g_option_context_parse_strv (octx, &args, error))
    return FALSE;
  if (version)
    {
      fprintf (ctx->out, "virt-spice-admin %s\n", VSA_VERSION);
      return TRUE;
    }
  if (args[1] == NULL)
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_USAGE,
                   "no command given; see 'virt-spice-admin --help'");
      return FALSE;
    }
  command = find_command (args[1]);
  if (command == NULL)
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_USAGE,
                   "unknown command '%s'; see 'virt-spice-admin --help'", args[1]);
      return FALSE;
    }
  ctx->command = command->name;
  return command->run (ctx, (int) g_strv_length (args) - 1, args + 1, error);
}

/* spice-client-glib reports failures itself (GSpice/Spice domains); the
 * probe's outcome already says it in one line, so keep them off stderr
 * unless G_MESSAGES_DEBUG asks for them. */
static GLogWriterOutput
write_log (GLogLevelFlags level, const GLogField *fields, gsize n_fields, gpointer user_data)
{
  for (gsize i = 0; i < n_fields; i++)
    if (g_strcmp0 (fields[i].key, "GLIB_DOMAIN") == 0 && fields[i].length < 0 &&
        (g_strcmp0 (fields[i].value, "GSpice") == 0 || g_strcmp0 (fields[i].value, "Spice") == 0) &&
        g_getenv ("G_MESSAGES_DEBUG") == NULL)
      return G_LOG_WRITER_HANDLED;
  return g_log_writer_default (level, fields, n_fields, user_data);
}

int
main (int argc, char **argv)
{
  g_autoptr (VsaContext) ctx = vsa_context_new ();
  g_autoptr (GError) error = NULL;

  setlocale (LC_ALL, "");
  g_set_prgname ("virt-spice-admin");
  vsa_libvirt_init ();
  g_log_set_writer_func (write_log, NULL, NULL);
  if (!run (ctx, argc, argv, &error))
    {
      fprintf (stderr, "virt-spice-admin: %s\n", error->message);
      return vsa_error_exit_status (error);
    }
  return 0;
}
