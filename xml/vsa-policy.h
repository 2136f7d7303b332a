/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The per-VM console policy, stored in the domain's <metadata> in the
 * project's namespace so the CLI and the hook read the same truth. */
#pragma once

#include <glib.h>
#include <libxml/tree.h>

G_BEGIN_DECLS

#include "vsa-names.h"
#include "vsa-namespace.h"
#include "vsa-tunnel.h"
#include "vsa-broker-user.h"
#include "vsa-window.h"

typedef enum {
  VSA_AUTH_PASSWORD,
  VSA_AUTH_SASL,
} VsaAuthMode;

gboolean vsa_auth_mode_from_string (const char *text, VsaAuthMode *ret_mode, GError **error);
const char *vsa_auth_mode_to_string (VsaAuthMode mode);

typedef struct {
  char *user;
  GPtrArray *clients; /* char *, client addresses or host names */
  VsaWindowSet *when; /* when the console may open for USER; never NULL */
} VsaAccess;

VsaAccess *vsa_access_new (const char *user);
void vsa_access_free (VsaAccess *access);
VsaAccess *vsa_access_find (GPtrArray *access, const char *user);

/* An encrypted guest disk: LUKS on the raw logical volume LV ("VG/LV"),
 * opened as /dev/mapper/NAME.  Exactly one key source is set: KEYFILE,
 * or TOKEN, a LUKS2 token in the volume's header ("any", or its id "0"
 * to "31") whose handler finds the key itself (luks2-keyring: in the
 * kernel keyring), so no key is named in the domain XML. */
typedef struct {
  char *lv;
  char *name;
  char *keyfile;
  char *token;
} VsaVolume;


typedef struct {
  VsaAuthMode auth;
  GPtrArray *access;  /* VsaAccess *, in document order */
  GPtrArray *volumes; /* VsaVolume *, in document order: the order they are opened */
  char *sasl_dir;    /* the VM's own SASL configuration (sasl mode), or NULL */
  GPtrArray *tunnels; /* VsaTunnel *, at most one per user, in document order */
  GPtrArray *broker_users; /* VsaBrokerUser *, at most one per user */
} VsaPolicy;

VsaPolicy *vsa_policy_new (VsaAuthMode auth);
VsaPolicy *vsa_policy_copy (const VsaPolicy *policy);
void vsa_policy_free (VsaPolicy *policy);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VsaPolicy, vsa_policy_free)

gboolean vsa_validate_volume (const VsaVolume *volume, GError **error);

VsaVolume *vsa_volume_new (const char *lv, const char *name, const char *keyfile,
                           const char *token);
void vsa_volume_free (VsaVolume *volume);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VsaVolume, vsa_volume_free)
VsaVolume *vsa_policy_find_volume (const VsaPolicy *policy, const char *name);

VsaAccess *vsa_policy_find_access (const VsaPolicy *policy, const char *user);
void vsa_policy_assign (VsaPolicy *policy, const char *user, const char *const *clients);
gboolean vsa_policy_unassign (VsaPolicy *policy, const char *user);
gboolean vsa_policy_set_when (VsaPolicy *policy, const char *user, const VsaWindowSet *when);

gboolean vsa_policy_is_managed (xmlDoc *doc);
gboolean vsa_policy_from_domain (xmlDoc *doc, VsaPolicy **ret_policy, GError **error);
void vsa_policy_to_domain (xmlDoc *doc, const VsaPolicy *policy);
gboolean vsa_policy_ensure (xmlDoc *doc, VsaAuthMode default_auth, GError **error);
char *vsa_policy_serialize (const VsaPolicy *policy);
gboolean vsa_policy_bind_sasl (xmlDoc *doc, VsaPolicy *policy, const char *dir, GError **error);
gboolean vsa_policy_unbind_sasl (xmlDoc *doc, VsaPolicy *policy, GError **error);
GPtrArray *vsa_policy_retain_access (VsaPolicy *policy, GPtrArray *wanted);

VsaTunnel *vsa_policy_find_tunnel (const VsaPolicy *policy, const char *user);
void vsa_policy_set_tunnel (VsaPolicy *policy, const char *user, const VsaSshKey *key,
                            const char *from);
gboolean vsa_policy_remove_tunnel (VsaPolicy *policy, const char *user);

VsaBrokerUser *vsa_policy_find_broker_user (const VsaPolicy *policy, const char *user);
VsaBrokerUser *vsa_policy_ensure_broker_user (VsaPolicy *policy, const char *user);
gboolean vsa_policy_parse_broker_user (VsaPolicy *policy, xmlNode *node, GError **error);
void vsa_policy_set_broker_user (VsaPolicy *policy, const char *user, const VsaSshKey *key,
                                 gboolean take_over);
guint vsa_policy_retain_broker_users (VsaPolicy *policy, GPtrArray *wanted);

G_END_DECLS
