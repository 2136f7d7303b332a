/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The one command table type: the top level and every subcommand group
 * are tables of these rows, and one dispatcher runs them.  A row says
 * what its handler needs; the dispatcher prints usage errors, parses the
 * options, loads the configuration, connects and looks the VM up, so a
 * handler starts with everything it asked for. */
#pragma once

#include <glib.h>
#include <libvirt/libvirt.h>

#include "vsa-context.h"

G_BEGIN_DECLS

typedef enum {
  /* The first operand names a VM: it is looked up before the handler runs
   * (when the operand is optional and absent, dom stays NULL). */
  VSA_COMMAND_NEEDS_DOMAIN = 1 << 0,
  /* Changes the VM: every error but a usage error starts "VM 'NAME': ". */
  VSA_COMMAND_WRITES = 1 << 1,
  /* Options only before the first operand; the operands after it pass
   * through untouched (qemu arguments start with '-'), but for the first
   * "--" after the VM, the usual end-of-options marker, which is dropped. */
  VSA_COMMAND_RAW_OPERANDS = 1 << 2,
  /* The usual sets, by name, so that a row says what it does: none of
   * the above, or looks the VM up and changes it. */
  VSA_COMMAND_PLAIN = 0,
  VSA_COMMAND_CHANGES_VM = VSA_COMMAND_NEEDS_DOMAIN | VSA_COMMAND_WRITES,
} VsaCommandFlags;

typedef struct _VsaCommand VsaCommand;
typedef struct _VsaInvocation VsaInvocation;

typedef gboolean (*VsaCommandFunc) (VsaContext *ctx, VsaInvocation *inv, GError **error);

struct _VsaCommand {
  const char *name;
  VsaCommandFunc run;          /* NULL for a group */
  const char *usage;           /* the operands, e.g. "VM USER" */
  const char *summary;         /* one line in the table's help */
  const char *description;     /* the body of --help */
  guint min_args;
  guint max_args;
  VsaCommandFlags flags;
  /* arg_data is unused: the values are read with vsa_invocation_*(). */
  const GOptionEntry *options;
  const VsaCommand *const *subcommands; /* a group: NULL-terminated rows */
};

/* A row as one line of data and its help text: a leaf runs NAME's handler
 * RUN on USAGE's operands, MIN to MAX of them (G_MAXUINT: no limit), with
 * its FLAGS and OPTIONS (NULL: none), then the one-line SUMMARY and the
 * DESCRIPTION; a group has NAME, SUMMARY, DESCRIPTION and its rows. */
#define VSA_COMMAND_LEAF(name_, run_, usage_, min_, max_, flags_, options_, summary_, description_) \
  { .name = (name_), .run = (run_), .usage = (usage_), .summary = (summary_), \
    .description = (description_), .min_args = (min_), .max_args = (max_), \
    .flags = (flags_), .options = (options_) }
#define VSA_COMMAND_GROUP(name_, summary_, description_, ...) \
  { .name = (name_), .summary = (summary_), .description = (description_), \
    .subcommands = (const VsaCommand *const[]) { __VA_ARGS__, NULL } }

/* Option rows, read as "--LONG VALUE  HELP"; KIND is a GOptionArg without
 * its G_OPTION_ARG_ prefix (STRING, FILENAME, INT, STRING_ARRAY).  A
 * table ends with VSA_OPTION_END. */
#define VSA_OPTION(kind_, long_, value_, help_) \
  { (long_), 0, 0, G_OPTION_ARG_##kind_, NULL, (help_), (value_) }
#define VSA_OPTION_FLAG(long_, help_) \
  { (long_), 0, 0, G_OPTION_ARG_NONE, NULL, (help_), NULL }
#define VSA_OPTION_END { NULL }

struct _VsaInvocation {
  const VsaCommand *command;
  char **args;                 /* the operands */
  const char *vm;              /* NEEDS_DOMAIN: args[0], or NULL */
  virDomain *dom;              /* NEEDS_DOMAIN: the VM, or NULL */
  GOptionEntry *entries;       /* the row's options, bound to values */
  gpointer values;
};

#define VSA_EXIT_CODES_HELP \
  "Exit status:\n" \
  "  0  success (for show/probe: the answer was obtained)\n" \
  "  1  error: the operation was refused or failed; nothing was changed\n" \
  "  2  usage error: unknown command or option, wrong arguments\n" \
  "  3  probe: the console refused the credential\n" \
  "  4  probe: TLS failed\n" \
  "  5  probe: no connection (refused or timed out)\n"

gboolean vsa_command_dispatch (VsaContext *ctx, const VsaCommand *command, int argc,
                               char **argv, GError **error);
const VsaCommand *vsa_command_find (const VsaCommand *const *table, const char *name);
void vsa_command_append_table (GString *s, const VsaCommand *const *table);

gboolean vsa_invocation_flag (VsaInvocation *inv, const char *name);
const char *vsa_invocation_string (VsaInvocation *inv, const char *name);
char **vsa_invocation_strings (VsaInvocation *inv, const char *name);
int vsa_invocation_int (VsaInvocation *inv, const char *name, int fallback);

G_END_DECLS
