/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Audit checks of the host rather than of one domain's XML: libvirt's
 * switches, SASL configuration files, owners and modes of secrets. */
#include "vsa-audit-host.h"
#include "vsa-file.h"
#include "vsa-libvirt-conf.h"

#include <errno.h>
#include <grp.h>
#include <string.h>
#include <sys/stat.h>

void
vsa_audit_libvirt_conf (const VsaConfig *config, GPtrArray *findings)
{
  g_autofree char *tls = vsa_libvirt_conf_value (config->libvirt_qemu_conf, "spice_tls");

  if (g_strcmp0 (tls, "1") != 0)
    vsa_findings_add (findings, "VSA-H01", VSA_SEVERITY_HIGH, "libvirt",
                      "add 'spice_tls = 1' to libvirt's qemu.conf and restart libvirtd",
                      "SPICE TLS is not enabled in %s", config->libvirt_qemu_conf);
}

/* mech_list missing means every installed mechanism, digest-md5 and
 * anonymous included. */
void
vsa_audit_sasl_file (const char *path, GPtrArray *findings)
{
  static const char *const weak[] = { "digest-md5", "anonymous", "cram-md5", "otp" };
  g_autofree char *text = NULL;
  g_autofree char *object = g_strdup_printf ("file %s", path);
  g_auto (GStrv) lines = NULL;
  const char *mechs = NULL;

  if (!vsa_file_read_bounded (path, "SASL configuration", VSA_FILE_TEXT_MAX, &text, NULL, NULL))
    return;
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i]; i++)
    if (g_str_has_prefix (g_strstrip (lines[i]), "mech_list:"))
      mechs = lines[i] + strlen ("mech_list:");
  if (mechs == NULL)
    {
      vsa_findings_add (findings, "VSA-H02", VSA_SEVERITY_HIGH, object,
                        "add 'mech_list: scram-sha-256 plain'",
                        "no mech_list: every installed SASL mechanism is allowed, weak ones included");
      return;
    }
  for (gsize i = 0; i < G_N_ELEMENTS (weak); i++)
    {
      g_autofree char *lower = g_ascii_strdown (mechs, -1);
      g_auto (GStrv) words = g_strsplit_set (lower, " \t,", -1);

      if (g_strv_contains ((const char *const *) words, weak[i]))
        vsa_findings_add (findings, "VSA-H02", VSA_SEVERITY_HIGH, object,
                          "use 'mech_list: scram-sha-256 plain'",
                          "weak SASL mechanism %s is allowed", weak[i]);
    }
}

/* Owner root (group the qemu group when GROUP_QEMU) and no permission bit
 * beyond MAX_MODE. */
void
vsa_audit_file_mode (const VsaConfig *config, const char *path, gboolean group_qemu,
                     guint max_mode, gboolean must_exist, GPtrArray *findings)
{
  g_autofree char *object = g_strdup_printf ("file %s", path);
  g_autofree char *fix = NULL;
  struct group *gr = group_qemu ? getgrnam (config->qemu_group) : NULL;
  struct stat st;

  fix = g_strdup_printf ("chown root:%s %s && chmod %o %s", group_qemu ? config->qemu_group : "root",
                         path, max_mode, path);
  if (stat (path, &st) != 0)
    {
      if (must_exist || errno != ENOENT)
        vsa_findings_add (findings, "VSA-H04", VSA_SEVERITY_MEDIUM, object,
                          "restore it, or update the policy", "cannot be read: %s", g_strerror (errno));
      return;
    }
  if (st.st_uid != 0 || (gr && st.st_gid != gr->gr_gid) || (st.st_mode & 07777 & ~max_mode))
    vsa_findings_add (findings, "VSA-H03", VSA_SEVERITY_HIGH, object, fix,
                      "owner %u:%u mode %04o, expected root:%s and at most %04o",
                      (unsigned) st.st_uid, (unsigned) st.st_gid, st.st_mode & 07777,
                      group_qemu ? config->qemu_group : "any", max_mode);
}
