/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Validators for the names a policy holds (vsa-names.c). */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Any token of the header that can unlock it, tried in id order. */
#define VSA_TOKEN_ANY "any"
/* LUKS2 headers hold token ids 0 to 31. */
#define VSA_TOKEN_ID_MAX 31

gboolean vsa_validate_vm_name (const char *name, GError **error);
gboolean vsa_validate_plain_command (const char *text, GError **error);
gboolean vsa_validate_certificate_subject (const char *text, GError **error);
gboolean vsa_validate_user_name (const char *name, GError **error);
gboolean vsa_validate_client (const char *client, GError **error);
gboolean vsa_validate_lv_path (const char *lv, GError **error);
gboolean vsa_validate_mapping_name (const char *name, GError **error);
gboolean vsa_validate_keyfile_path (const char *path, GError **error);
gboolean vsa_validate_token (const char *token, GError **error);
gboolean vsa_token_to_id (const char *token, int *ret_id);

G_END_DECLS
