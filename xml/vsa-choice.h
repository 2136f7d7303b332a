/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

gboolean vsa_choice_parse (const char *what, const char *text, const char *const *choices,
                           gsize n_choices, gsize *ret_index, GError **error);

/* For a static array of names: the count comes from the array itself. */
#define VSA_CHOICE_PARSE(what, text, choices, ret_index, error) \
  vsa_choice_parse ((what), (text), (choices), G_N_ELEMENTS (choices), (ret_index), (error))

G_END_DECLS
