/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>
#include <sys/types.h>

G_BEGIN_DECLS

char *vsa_test_data_path (const char *first, ...) G_GNUC_NULL_TERMINATED;
char *vsa_test_read (const char *path);
pid_t vsa_test_dead_pid (void);
/* A golden case's file: tests/data/DIR/NAME followed by SUFFIX (".in",
 * ".out.xml"...). */
char *vsa_test_case_path (const char *dir, const char *name, const char *suffix);
void vsa_test_assert_golden (const char *actual, const char *expected_path);
/* ERROR is set and its message names PART (the test aborts, saying what
 * the message lacks, otherwise). */
void vsa_test_assert_message_has (const GError *error, const char *part);

/* A test program's registrations as one table, in their order: a row is
 * one test (VSA_TEST), one test given DATA (VSA_TEST_DATA), or one test
 * per element of an array of cases, each given its element:
 * VSA_TEST_CASES names them PREFIX/LABEL by the `const char *label` each
 * element starts with, VSA_TEST_NUMBERED PREFIX/INDEX. */
typedef struct {
  const char *path;            /* the test's, or the cases' prefix */
  GTestFunc func;              /* a single test, or NULL */
  GTestDataFunc data_func;     /* run on data, or on each case */
  gconstpointer data;          /* the data, or the first case */
  gsize n_cases;               /* 0: one test given data */
  gsize case_size;
  gboolean numbered;
} VsaTestEntry;

#define VSA_TEST(path, func) { (path), (func), NULL, NULL, 0, 0, FALSE }
#define VSA_TEST_DATA(path, data, func) { (path), NULL, (func), (data), 0, 0, FALSE }
#define VSA_TEST_CASES(prefix, cases, func) \
  { (prefix), NULL, (func), (cases), G_N_ELEMENTS (cases), sizeof (cases)[0], FALSE }
#define VSA_TEST_NUMBERED(prefix, cases, func) \
  { (prefix), NULL, (func), (cases), G_N_ELEMENTS (cases), sizeof (cases)[0], TRUE }

void vsa_test_add (const VsaTestEntry *tests, gsize n_tests);
#define VSA_TEST_ADD(tests) vsa_test_add ((tests), G_N_ELEMENTS (tests))
/* The whole main() of a program whose tests are the table TESTS. */
#define VSA_TEST_MAIN(tests) \
  int main (int argc, char **argv) \
  { \
    g_test_init (&argc, &argv, NULL); \
    VSA_TEST_ADD (tests); \
    return g_test_run (); \
  }

G_END_DECLS
