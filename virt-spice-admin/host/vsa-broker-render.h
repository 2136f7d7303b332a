/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What `broker install` writes: one sshd drop-in with a Match block per
 * broker account, one root-owned authorized_keys file per account, and
 * the broker's systemd units.  Pure: accounts in, file contents out. */
#pragma once

#include <glib.h>

#include "vsa-ssh-key.h"
#include "vsa-tunnel-render.h"

G_BEGIN_DECLS

#define VSA_SSHD_BROKER_DROP_IN_NAME "virt-spice-admin-broker.conf"

/* One user of the broker, gathered over every VM. */
typedef struct {
  char *user;
  VsaSshKey *key;
  char *key_vm;            /* the VM whose policy gave the key (messages) */
  GPtrArray *vms;          /* char *, sorted */
  GPtrArray *clients;      /* char *, the user's client addresses */
  GPtrArray *destinations; /* char *, the user's tunnels ("127.0.0.1:20001") */
} VsaBrokerAccount;

void vsa_broker_account_free (VsaBrokerAccount *account);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VsaBrokerAccount, vsa_broker_account_free)
VsaBrokerAccount *vsa_broker_account_new (const char *user);

typedef struct {
  const char *drop_in_dir;
  const char *authorized_keys_dir;         /* broker-authorized-keys-dir */
  const char *tunnel_authorized_keys_dir;  /* so the account's tunnel keys still work */
  const char *command;                     /* broker-command */
  const char *unit_dir;                    /* systemd-unit-dir */
} VsaBrokerRenderOptions;

GPtrArray *vsa_broker_render (GPtrArray *accounts, const VsaBrokerRenderOptions *opts,
                              GError **error);

G_END_DECLS
