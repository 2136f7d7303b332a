/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "vsa-tunnel-render.h"
#include "vsa-error.h"
#include "vsa-template.h"

void
vsa_rendered_file_free (VsaRenderedFile *file)
{
  if (file == NULL)
    return;
  g_free (file->path);
  g_free (file->owner);
  g_free (file->content);
  g_free (file);
}

static int
compare_routes (gconstpointer a, gconstpointer b)
{
  const VsaTunnelRoute *ra = *(const VsaTunnelRoute *const *) a;
  const VsaTunnelRoute *rb = *(const VsaTunnelRoute *const *) b;
  int by_user = g_strcmp0 (ra->user, rb->user);

  return by_user != 0 ? by_user : g_strcmp0 (ra->vm, rb->vm);
}

/* The same routes (not copies), by user, then VM: the output does not
 * depend on the order libvirt lists domains in. */
static GPtrArray *
sorted_routes (GPtrArray *routes)
{
  GPtrArray *sorted = g_ptr_array_sized_new (routes->len);

  for (guint i = 0; i < routes->len; i++)
    g_ptr_array_add (sorted, g_ptr_array_index (routes, i));
  g_ptr_array_sort (sorted, compare_routes);
  return sorted;
}

static void
append_unique (GPtrArray *list, const char *value)
{
  if (!g_ptr_array_find_with_equal_func (list, value, g_str_equal, NULL))
    g_ptr_array_add (list, (gpointer) value);
}

static char *
join_list (GPtrArray *list, const char *separator)
{
  g_ptr_array_add (list, NULL);
  return g_strjoinv (separator, (char **) list->pdata);
}

/* One user's routes are sorted[start..end). */
typedef struct {
  GPtrArray *sorted;
  guint start;
  guint end;
} UserRoutes;

/* One authorized_keys line for every route with FIRST's key: sshd uses
 * only the first line that matches a key, so a key used for several VMs
 * must carry all their permitopen options on one line, and one from=. */
static char *
render_key_line (const UserRoutes *ur, const VsaTunnelRoute *first,
                 const VsaTunnelRenderOptions *opts, GError **error)
{
  g_autoptr (GPtrArray) permits = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) seen = g_ptr_array_new ();
  g_autofree char *permit_open = NULL;
  g_autofree char *from = first->from ? g_strdup_printf (",from=\"%s\"", first->from) : g_strdup ("");
  g_autofree char *public_key = vsa_ssh_key_to_line (first->key);

  for (guint i = ur->start; i < ur->end; i++)
    {
      const VsaTunnelRoute *route = g_ptr_array_index (ur->sorted, i);

      if (!vsa_ssh_key_same (route->key, first->key))
        continue;
      if (g_strcmp0 (route->from, first->from) != 0)
        {
          g_set_error (error, VSA_ERROR, VSA_ERROR_CONFLICT,
                       "user '%s' has one key for VMs '%s' (from %s) and '%s' (from %s), but sshd "
                       "applies one from= per key; run 'virt-spice-admin tunnel add' again with the "
                       "same --from for both, or give each VM its own key",
                       first->user, first->vm, first->from ? first->from : "anywhere", route->vm,
                       route->from ? route->from : "anywhere");
          return NULL;
        }
      if (!g_ptr_array_find_with_equal_func (seen, route->destination, g_str_equal, NULL))
        {
          g_ptr_array_add (seen, route->destination);
          g_ptr_array_add (permits, g_strdup_printf ("permitopen=\"%s\"", route->destination));
        }
    }
  permit_open = join_list (permits, ",");
  return vsa_template_fill (opts->templates.key_line, "tunnel-authorized-keys-line", (const char *const[]) {
    "PERMIT_OPEN", permit_open, "FROM", from, "PUBLIC_KEY", public_key, NULL },
    error);
}

static gboolean
key_seen_before (const UserRoutes *ur, guint index)
{
  const VsaTunnelRoute *route = g_ptr_array_index (ur->sorted, index);

  for (guint i = ur->start; i < index; i++)
    if (vsa_ssh_key_same (((VsaTunnelRoute *) g_ptr_array_index (ur->sorted, i))->key, route->key))
      return TRUE;
  return FALSE;
}

static VsaRenderedFile *
render_keys_file (const UserRoutes *ur, const VsaTunnelRenderOptions *opts, GError **error)
{
  const VsaTunnelRoute *first = g_ptr_array_index (ur->sorted, ur->start);
  g_autoptr (GString) lines = g_string_new (NULL);
  g_autoptr (VsaRenderedFile) file = g_new0 (VsaRenderedFile, 1);

  for (guint i = ur->start; i < ur->end; i++)
    {
      g_autofree char *line = NULL;

      if (key_seen_before (ur, i))
        continue;
      line = render_key_line (ur, g_ptr_array_index (ur->sorted, i), opts, error);
      if (line == NULL)
        return NULL;
      g_string_append (lines, line);
    }
  file->content = vsa_template_fill (opts->templates.keys_file, "tunnel-authorized-keys", (const char *const[]) {
    "USER", first->user, "KEY_LINES", lines->str, NULL }, error);
  if (file->content == NULL)
    return NULL;
  file->path = g_build_filename (opts->authorized_keys_dir, first->user, NULL);
  file->owner = g_strdup (first->user);
  file->mode = 0640; /* root's; the user's group reads it, as sshd does with her ids */
  return g_steal_pointer (&file);
}

/* The networks every key of the user is restricted to (from=), as sshd's
 * Match Address list, or NULL when one key may be used from anywhere. */
static char *
user_networks (const UserRoutes *ur)
{
  g_autoptr (GPtrArray) networks = g_ptr_array_new ();

  for (guint i = ur->start; i < ur->end; i++)
    {
      const VsaTunnelRoute *route = g_ptr_array_index (ur->sorted, i);

      if (route->from == NULL)
        return NULL;
      append_unique (networks, route->from);
    }
  return join_list (networks, ",");
}

/* The user's Match block: the union of the user's destinations, whatever
 * key is used (authorized_keys narrows it per key).  When every key has a
 * from=, sshd enforces it too: the block matches those networks only, and
 * a second block refuses every way of logging in from anywhere else. */
static char *
render_match_block (const UserRoutes *ur, const VsaTunnelRenderOptions *opts, GError **error)
{
  const VsaTunnelRoute *first = g_ptr_array_index (ur->sorted, ur->start);
  g_autoptr (GPtrArray) destinations = g_ptr_array_new ();
  g_autoptr (GPtrArray) vms = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *permit_open = NULL;
  g_autofree char *vm_list = NULL;
  g_autofree char *networks = user_networks (ur);
  g_autofree char *address = networks ? g_strdup_printf (" Address %s", networks) : g_strdup ("");
  g_autofree char *block = NULL;
  g_autofree char *refusal = NULL;

  for (guint i = ur->start; i < ur->end; i++)
    {
      const VsaTunnelRoute *route = g_ptr_array_index (ur->sorted, i);

      append_unique (destinations, route->destination);
      g_ptr_array_add (vms, g_strdup_printf ("%s (%s)", route->vm, route->destination));
    }
  permit_open = join_list (destinations, " ");
  vm_list = join_list (vms, ", ");
  block = vsa_template_fill (opts->templates.match_block, "sshd-tunnel-match.conf", (const char *const[]) {
    "USER", first->user, "ADDRESS", address, "VMS", vm_list, "PERMIT_OPEN", permit_open, "AUTHORIZED_KEYS_DIR", opts->authorized_keys_dir, "WAIT_COMMAND", opts->wait_command, NULL }, error);
  if (block == NULL || networks == NULL)
    return g_steal_pointer (&block);
  refusal = vsa_template_fill (opts->templates.refuse_block, "sshd-tunnel-refuse.conf", (const char *const[]) {
    "USER", first->user, "NETWORKS", networks, NULL }, error);
  return refusal ? g_strconcat (block, refusal, NULL) : NULL;
}

static guint
user_routes_end (GPtrArray *sorted, guint start)
{
  const VsaTunnelRoute *first = g_ptr_array_index (sorted, start);
  guint end = start;

  while (end < sorted->len &&
         g_str_equal (((VsaTunnelRoute *) g_ptr_array_index (sorted, end))->user, first->user))
    end++;
  return end;
}

static VsaRenderedFile *
render_drop_in (const char *match_blocks, const VsaTunnelRenderOptions *opts, GError **error)
{
  g_autoptr (VsaRenderedFile) file = g_new0 (VsaRenderedFile, 1);

  file->content = vsa_template_fill (opts->templates.drop_in, "sshd-tunnels.conf", (const char *const[]) {
    "AUTHORIZED_KEYS_DIR", opts->authorized_keys_dir, "MATCH_BLOCKS", match_blocks, NULL }, error);
  if (file->content == NULL)
    return NULL;
  file->path = g_build_filename (opts->drop_in_dir, VSA_SSHD_DROP_IN_NAME, NULL);
  file->mode = 0644;
  return g_steal_pointer (&file);
}

/* The drop-in first, then one authorized_keys file per user, by name.
 * With no routes the drop-in has no Match block (and no user a file). */
GPtrArray *
vsa_tunnel_render (GPtrArray *routes, const VsaTunnelRenderOptions *opts, GError **error)
{
  g_autoptr (GPtrArray) sorted = sorted_routes (routes);
  g_autoptr (GPtrArray) files = g_ptr_array_new_with_free_func ((GDestroyNotify) vsa_rendered_file_free);
  g_autoptr (GString) blocks = g_string_new (NULL);
  VsaRenderedFile *drop_in;

  for (guint start = 0; start < sorted->len;)
    {
      UserRoutes ur = { sorted, start, user_routes_end (sorted, start) };
      g_autofree char *block = render_match_block (&ur, opts, error);
      VsaRenderedFile *keys = block ? render_keys_file (&ur, opts, error) : NULL;

      if (keys == NULL)
        return NULL;
      g_string_append (blocks, block);
      g_ptr_array_add (files, keys);
      start = ur.end;
    }
  drop_in = render_drop_in (blocks->str, opts, error);
  if (drop_in == NULL)
    return NULL;
  g_ptr_array_insert (files, 0, drop_in);
  return g_steal_pointer (&files);
}

/* What `tunnel render` prints: each file under a header naming where it
 * goes, its owner and mode, and for keys whose group reads them ('#' starts a comment in both formats). */
char *
vsa_rendered_files_to_text (GPtrArray *files)
{
  g_autoptr (GString) text = g_string_new (NULL);

  for (guint i = 0; i < files->len; i++)
    {
      const VsaRenderedFile *file = g_ptr_array_index (files, i);
      g_autofree char *reader = file->owner ? g_strdup_printf (", group %s's", file->owner)
                                            : g_strdup ("");

      g_string_append_printf (text, "%s# ==> %s (owner root%s, mode %04o) <==\n", i ? "\n" : "",
                              file->path, reader, file->mode);
      g_string_append (text, file->content);
    }
  return g_string_free (g_steal_pointer (&text), FALSE);
}
