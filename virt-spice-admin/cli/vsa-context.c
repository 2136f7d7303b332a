/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "vsa-context.h"
#include "vsa-libvirt.h"

VsaContext *
vsa_context_new (void)
{
  VsaContext *ctx = g_new0 (VsaContext, 1);

  ctx->out = stdout;
  ctx->err = stderr;
  ctx->in = stdin;
  return ctx;
}

void
vsa_context_free (VsaContext *ctx)
{
  if (ctx == NULL)
    return;
  if (ctx->conn)
    virConnectClose (ctx->conn);
  vsa_config_free (ctx->config);
  g_free (ctx->config_path);
  g_free (ctx->uri);
  g_free (ctx->command);
  g_free (ctx);
}

const char *
vsa_context_uri (VsaContext *ctx)
{
  const char *env = g_getenv ("LIBVIRT_DEFAULT_URI");

  if (ctx->uri)
    return ctx->uri;
  return env && *env ? env : "qemu:///system";
}

virConnect *
vsa_context_connect (VsaContext *ctx, GError **error)
{
  if (ctx->conn == NULL)
    ctx->conn = vsa_libvirt_open (vsa_context_uri (ctx), error);
  return ctx->conn;
}

/* Informational lines go to stderr so stdout stays parseable; -q mutes them. */
void
vsa_context_note (VsaContext *ctx, const char *format, ...)
{
  va_list args;

  if (ctx->quiet)
    return;
  va_start (args, format);
  vfprintf (ctx->err, format, args);
  va_end (args);
  fputc ('\n', ctx->err);
}
