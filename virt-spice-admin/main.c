/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* virt-spice-admin: global options, the command table, and the one place
 * that prints an error and picks the exit status. */
#include "vsa-command.h"
#include "vsa-commands.h"
#include "vsa-error.h"
#include "vsa-libvirt.h"
#include "vsa-config.h"

#include <locale.h>
#include <string.h>

/* The top-level table: each row lives in its cmd-NAME.c. */
static const VsaCommand *const commands[] = {
  &vsa_command_setup,
  &vsa_command_secure,
  &vsa_command_password,
  &vsa_command_audit,
  &vsa_command_status,
  &vsa_command_show,
  &vsa_command_probe,
  &vsa_command_ticket,
  &vsa_command_assign,
  &vsa_command_unassign,
  &vsa_command_qemu_arg,
  &vsa_command_qemu_env,
  &vsa_command_firewall,
  &vsa_command_schedule,
  &vsa_command_volume,
  &vsa_command_tunnel,
  &vsa_command_export,
  &vsa_command_client,
  &vsa_command_apply,
  &vsa_command_broker,
  &vsa_command_console,
  &vsa_command_watch,
  &vsa_command_sessions,
  NULL
};

static char *
commands_help (void)
{
  g_autoptr (GString) s = g_string_new ("Commands:\n");

  vsa_command_append_table (s, commands);
  g_string_append (s, "\nRun 'virt-spice-admin COMMAND --help' for a command's options.\n\n"
                      "The libvirt URI is -c URI, else $LIBVIRT_DEFAULT_URI, else qemu:///system.\n"
                      "The configuration is --config FILE, else $" VSA_CONFIG_ENV ",\n"
                      "else " VSA_CONFIG_DEFAULT_PATH " (missing: all defaults).\n\n"
                      VSA_EXIT_CODES_HELP);
  return g_string_free (g_steal_pointer (&s), FALSE);
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
  command = vsa_command_find (commands, args[1]);
  if (command == NULL)
    {
      g_set_error (error, VSA_ERROR, VSA_ERROR_USAGE,
                   "unknown command '%s'; see 'virt-spice-admin --help'", args[1]);
      return FALSE;
    }
  return vsa_command_dispatch (ctx, command, (int) g_strv_length (args) - 1, args + 1, error);
}

int
main (int argc, char **argv)
{
  g_autoptr (VsaContext) ctx = vsa_context_new ();
  g_autoptr (GError) error = NULL;

  setlocale (LC_ALL, "");
  g_set_prgname ("virt-spice-admin");
  vsa_libvirt_init ();
  if (!run (ctx, argc, argv, &error))
    {
      fprintf (stderr, "virt-spice-admin: %s\n", error->message);
      return vsa_error_exit_status (error);
    }
  return 0;
}
