/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* console-shell: the login shell of console broker accounts.
 *
 * sshd runs every command, the forced one included, as `SHELL -c CMD`,
 * and a real shell reads startup files first (bash: ~/.bashrc), which a
 * user controls: an escape from ForceCommand.  This shell reads nothing
 * and runs one thing only: CMD when it is `PROGRAM [--config FILE]
 * console`, PROGRAM being an absolute path to virt-spice-admin, with the
 * words passed as they are (no expansion of any kind) and an environment
 * of sshd's variables only.  Anything else, an interactive login
 * included, is refused.  `ssh -N` tunnels run no command and keep
 * working.  libc only: it runs before anything else is trusted. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_WORDS 5

static int
refuse (void)
{
  fputs ("This account runs only 'console VM [--take-over]' requests.\n", stderr);
  return 1;
}

/* Absolute paths and plain words: nothing a shell would interpret. */
static int
plain_word (const char *word)
{
  if (*word == '\0')
    return 0;
  for (const char *p = word; *p; p++)
    if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
          strchr ("/._-=:+", *p) != NULL))
      return 0;
  return 1;
}

static int
is_program (const char *word)
{
  const char *base = strrchr (word, '/');

  return word[0] == '/' && base != NULL && strcmp (base + 1, "virt-spice-admin") == 0 &&
         strstr (word, "/../") == NULL;
}

/* Splits COMMAND at single spaces into WORDS; 0 if it is not the
 * console request. */
static int
parse_command (char *command, char **words)
{
  int n = 0;

  for (char *word = strtok (command, " "); word; word = strtok (NULL, " "))
    {
      if (n == MAX_WORDS - 1 || !plain_word (word))
        return 0;
      words[n++] = word;
    }
  words[n] = NULL;
  if (n == 2 && is_program (words[0]) && strcmp (words[1], "console") == 0)
    return 1;
  return n == 4 && is_program (words[0]) && strcmp (words[1], "--config") == 0 &&
         words[2][0] == '/' && strcmp (words[3], "console") == 0;
}

static void
keep (char **env, int *n, const char *name)
{
  const char *value = getenv (name);
  size_t len;

  if (value == NULL)
    return;
  len = strlen (name) + strlen (value) + 2;
  env[*n] = malloc (len);
  if (env[*n] == NULL)
    return;
  snprintf (env[*n], len, "%s=%s", name, value);
  (*n)++;
}

int
main (int argc, char **argv)
{
  static const char *const kept[] = { "SSH_CONNECTION", "SSH_ORIGINAL_COMMAND", "USER",
                                      "LOGNAME", "HOME", "LANG" };
  char *words[MAX_WORDS];
  char *env[sizeof kept / sizeof kept[0] + 2];
  int n = 0;

  if (argc != 3 || strcmp (argv[1], "-c") != 0 || !parse_command (argv[2], words))
    return refuse ();
  env[n++] = "PATH=/usr/sbin:/usr/bin:/sbin:/bin";
  for (size_t i = 0; i < sizeof kept / sizeof kept[0]; i++)
    keep (env, &n, kept[i]);
  env[n] = NULL;
  execve (words[0], words, env);
  perror ("console-shell: cannot run the console request");
  return 1;
}
