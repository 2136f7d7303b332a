/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Converging a domain's console to a declared state in one pass: the
 * TLS-only SPICE graphics (port and listen chosen here), its credential
 * (a password, or the VM's own SASL configuration) and the policy's auth
 * mode.  `secure` and `apply` both go through it; every input that needs
 * I/O (free ports, a new password, the time) is handed in. */
#pragma once

#include <glib.h>
#include <libxml/tree.h>

#include "vsa-policy.h"

G_BEGIN_DECLS

/* What happens to the SPICE password in password mode (sasl mode never
 * has one: libvirt refuses a SASL console that also has a passwd). */
typedef enum {
  VSA_PASSWORD_KEEP_OR_NEW, /* keep the current password, else set new_password */
  VSA_PASSWORD_NEW,         /* set new_password */
  VSA_PASSWORD_KEEP,        /* keep what is there, even nothing */
  VSA_PASSWORD_NONE,        /* remove it */
} VsaPasswordAction;

typedef struct {
  gboolean set_auth;          /* TRUE: the VM's mode becomes auth; FALSE: keep it (auth if new) */
  VsaAuthMode auth;
  int requested_port;         /* 0: keep the current port if free and in range, else the lowest free */
  int port_min;
  int port_max;
  GHashTable *used_ports;     /* GINT_TO_POINTER (port) -> name of the other domain using it */
  const char *listen;         /* NULL: keep a specific address chosen before, else default_listen */
  const char *default_listen;
  const char *compression;    /* NULL: leave image compression alone */
  gboolean replace_vnc;
  VsaPasswordAction password;
  const char *new_password;   /* for KEEP_OR_NEW and NEW */
  const char *valid_to;       /* expiry of a password set now; NULL: none */
  gboolean renew_valid_to;    /* a kept password gets valid_to too */
  const char *expired_before; /* libvirt time: a kept password expiring before it counts as none; NULL: never */
  const char *connected;      /* NULL: leave the connected policy alone */
  const char *sasl_dir;       /* the VM's own SASL configuration; required in sasl mode */
} VsaConsoleSpec;

typedef struct {
  VsaAuthMode auth;
  int tls_port;
  char *listen;
  gboolean password_changed;  /* set, replaced or removed */
  gboolean new_password_used; /* new_password is now the VM's password */
} VsaConsoleResult;

void vsa_console_result_clear (VsaConsoleResult *result);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (VsaConsoleResult, vsa_console_result_clear)

gboolean vsa_console_converge (xmlDoc *doc, VsaPolicy **policy, const VsaConsoleSpec *spec,
                               VsaConsoleResult *ret_result, GError **error);

G_END_DECLS
