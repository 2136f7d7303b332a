/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define _GNU_SOURCE
#include "vsa-hook-protocol.h"

#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int
vsa_hook_program_dir (char *buf, size_t size)
{
  char self[PATH_MAX];
  ssize_t n = readlink ("/proc/self/exe", self, sizeof self - 1);

  if (n < 0)
    return -1;
  self[n] = '\0';
  if ((size_t) snprintf (buf, size, "%s", dirname (self)) >= size)
    {
      errno = ENAMETOOLONG;
      return -1;
    }
  return 0;
}

int
vsa_hook_server_address (const char *dir, struct sockaddr_un *ret_addr, socklen_t *ret_len)
{
  /* sun_path[0] = '\0' makes it abstract: no file to create, clean up or
   * protect; who may talk to whom is checked with SO_PEERCRED instead. */
  size_t len = strlen (VSA_HOOK_SERVER_PREFIX) + strlen (dir);

  memset (ret_addr, 0, sizeof *ret_addr);
  if (len + 1 > sizeof ret_addr->sun_path)
    return -1;
  ret_addr->sun_family = AF_UNIX;
  memcpy (ret_addr->sun_path + 1, VSA_HOOK_SERVER_PREFIX, strlen (VSA_HOOK_SERVER_PREFIX));
  memcpy (ret_addr->sun_path + 1 + strlen (VSA_HOOK_SERVER_PREFIX), dir, strlen (dir));
  *ret_len = (socklen_t) (offsetof (struct sockaddr_un, sun_path) + 1 + len);
  return 0;
}

const char *const vsa_hook_request_keys[VSA_HOOK_N_REQUEST_KEYS] = {
  "VIRT_SPICE_ADMIN_CONFIG",
  "VIRT_SPICE_ADMIN_HOOK_LOG",
  VSA_HOOK_TIMEOUT_ENV,
};

long
vsa_hook_timeout_seconds (const char *text)
{
  long seconds = text ? strtol (text, NULL, 10) : 0;

  return seconds > 0 && seconds <= 3600 ? seconds : 90;
}
