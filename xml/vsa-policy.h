/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The per-VM console policy, stored in the domain's <metadata> in the
 * project's namespace so the CLI and the hook read the same truth. */
#pragma once

#include <glib.h>
#include <libxml/tree.h>

G_BEGIN_DECLS

#include "vsa-namespace.h"

typedef enum {
  VSA_AUTH_PASSWORD,
  VSA_AUTH_SASL,
} VsaAuthMode;

gboolean vsa_auth_mode_from_string (const char *text, VsaAuthMode *ret_mode, GError **error);
const char *vsa_auth_mode_to_string (VsaAuthMode mode);

typedef struct {
  char *user;
  GPtrArray *clients; /* char *, client addresses or host names */
} VsaAccess;

VsaAccess *vsa_access_new (const char *user);
void vsa_access_free (VsaAccess *access);

/* An encrypted guest disk: LUKS on the raw logical volume LV ("VG/LV"),
 * opened as /dev/mapper/NAME with the key in KEYFILE. */
typedef struct {
  char *lv;
  char *name;
  char *keyfile;
} VsaVolume;

typedef struct {
  VsaAuthMode auth;
  GPtrArray *access;  /* VsaAccess *, in document order */
  GPtrArray *volumes; /* VsaVolume *, in document order: the order they are opened */
  char *sasl_dir;    /* the VM's own SASL configuration (sasl mode), or NULL */
} VsaPolicy;

VsaPolicy *vsa_policy_new (VsaAuthMode auth);
void vsa_policy_free (VsaPolicy *policy);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VsaPolicy, vsa_policy_free)

gboolean vsa_validate_lv_path (const char *lv, GError **error);
gboolean vsa_validate_mapping_name (const char *name, GError **error);
gboolean vsa_validate_keyfile_path (const char *path, GError **error);

VsaVolume *vsa_volume_new (const char *lv, const char *name, const char *keyfile);
void vsa_volume_free (VsaVolume *volume);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VsaVolume, vsa_volume_free)
VsaVolume *vsa_policy_find_volume (const VsaPolicy *policy, const char *name);
gboolean vsa_validate_vm_name (const char *name, GError **error);
gboolean vsa_validate_user_name (const char *name, GError **error);
gboolean vsa_validate_client (const char *client, GError **error);

VsaAccess *vsa_policy_find_access (const VsaPolicy *policy, const char *user);
void vsa_policy_assign (VsaPolicy *policy, const char *user, const char *const *clients);
gboolean vsa_policy_unassign (VsaPolicy *policy, const char *user);

gboolean vsa_policy_is_managed (xmlDoc *doc);
gboolean vsa_policy_from_domain (xmlDoc *doc, VsaPolicy **ret_policy, GError **error);
void vsa_policy_to_domain (xmlDoc *doc, const VsaPolicy *policy);
gboolean vsa_policy_ensure (xmlDoc *doc, VsaAuthMode default_auth, GError **error);
char *vsa_policy_serialize (const VsaPolicy *policy);
gboolean vsa_policy_bind_sasl (xmlDoc *doc, VsaPolicy *policy, const char *dir, GError **error);
gboolean vsa_policy_unbind_sasl (xmlDoc *doc, VsaPolicy *policy, GError **error);
GPtrArray *vsa_policy_retain_access (VsaPolicy *policy, GPtrArray *wanted);

G_END_DECLS
