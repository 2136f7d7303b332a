/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A configuration for tests that never reaches the host's /etc or /var:
 * the defaults, with every file and directory they name moved below a
 * temporary root.  A host with a SPICE PKI, a qemu.conf or SASL files of
 * its own then cannot change what a test sees (audit would read the
 * host's server key otherwise).  Programs (sshd, remote-viewer) keep their
 * host paths: tests run the real ones.  So do the sshd paths, which only
 * appear as text in rendered files (golden output) until `tunnel install`,
 * and a test that installs points them at its own directories first. */
#include "vsa-test-config.h"

static void
move_below (char **path, const char *root)
{
  char *moved = g_build_filename (root, *path, NULL);

  g_free (*path);
  *path = moved;
}

VsaConfig *
vsa_test_config_new (const char *root)
{
  VsaConfig *config = vsa_config_new_defaults ();
  char **paths[] = {
    &config->state_dir, &config->ca_file, &config->key_dir, &config->libvirt_config_dir, &config->sasl_dir, &config->libvirt_qemu_conf,
    &config->server_cert,
  };

  g_assert_true (g_path_is_absolute (root));
  for (gsize i = 0; i < G_N_ELEMENTS (paths); i++)
    move_below (paths[i], root);
  return config;
}
