/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Shared by the fuzz targets, the replay driver and render-check: fuzz
 * bytes split into fields, the renderers driven from those fields, and
 * the invariants every target asserts.  A violated invariant aborts, so
 * libFuzzer (and the replay test) report it as a crash. */
#pragma once

#include <glib.h>
#include <stdint.h>

G_BEGIN_DECLS

/* The libFuzzer entry point each fuzz-*.c defines. */
int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

/* --- fields -------------------------------------------------------------- */

/* The input split at NUL bytes: "OP\0SUBOP\0XML" is three fields.  Fields
 * past the end read as "", so every input is a complete request. */
typedef struct {
  char **fields;
  guint n_fields;
  guint next;
} VsaFuzzFields;

void vsa_fuzz_fields_init (VsaFuzzFields *f, const uint8_t *data, size_t size);
void vsa_fuzz_fields_clear (VsaFuzzFields *f);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (VsaFuzzFields, vsa_fuzz_fields_clear)
gboolean vsa_fuzz_fields_done (const VsaFuzzFields *f);
const char *vsa_fuzz_fields_next (VsaFuzzFields *f);
const char *vsa_fuzz_fields_next_or_null (VsaFuzzFields *f);
gint64 vsa_fuzz_fields_next_int (VsaFuzzFields *f);
int vsa_fuzz_fields_next_clamped (VsaFuzzFields *f, int min, int max);

GPtrArray *vsa_fuzz_collect_files (char **paths, int n_paths);

/* --- invariants ---------------------------------------------------------- */

void vsa_fuzz_fail (const char *what, const char *text) G_GNUC_NORETURN;
#define VSA_FUZZ_ASSERT(cond, what, text) \
  do { if (!(cond)) vsa_fuzz_fail ((what), (text)); } while (0)

void vsa_fuzz_check_error (GError *error);
void vsa_fuzz_check_one_line (const char *what, const char *text);

/* --- renderers driven by fields ----------------------------------------- */

/* One rendered file and the real tool that must accept it. */
typedef enum {
  VSA_FUZZ_SUDOERS,         /* visudo -cf */
  VSA_FUZZ_CLIENT_NFT,      /* nft -c -f (client firewall) */
  VSA_FUZZ_SSHD_DROP_IN,    /* sshd -t -f on a configuration including it */
  VSA_FUZZ_AUTHORIZED_KEYS, /* ssh-keygen -l -f */
  VSA_FUZZ_NFT,             /* nft -c -f (server firewall transaction) */
} VsaFuzzFileKind;

typedef struct {
  VsaFuzzFileKind kind;
  char *content;
} VsaFuzzFile;

const char *vsa_fuzz_file_kind_name (VsaFuzzFileKind kind);

/* NULL when the libraries refused the input (the expected answer to most
 * random names); otherwise the rendered files, each already checked
 * against the renderer's documented escaping (abort otherwise). */
GPtrArray *vsa_fuzz_render_sudoers (const uint8_t *data, size_t size);
GPtrArray *vsa_fuzz_render_sshd (const uint8_t *data, size_t size);
GPtrArray *vsa_fuzz_render_nft (const uint8_t *data, size_t size);

void vsa_fuzz_check_outputs (GPtrArray *files);

typedef GPtrArray *(*VsaFuzzRenderFunc) (const uint8_t *data, size_t size);
VsaFuzzRenderFunc vsa_fuzz_renderer (const char *target);
/* The body of a renderer's fuzz target: RENDER on the input, and what it
 * rendered, if it accepted the input, checked by vsa_fuzz_check_outputs. */
int vsa_fuzz_render_one (VsaFuzzRenderFunc render, const uint8_t *data, size_t size);

G_END_DECLS
