/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

char *vsa_test_data_path (const char *first, ...) G_GNUC_NULL_TERMINATED;
char *vsa_test_read (const char *path);
void vsa_test_assert_golden (const char *actual, const char *expected_path);

G_END_DECLS
