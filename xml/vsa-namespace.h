/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The project's XML namespace, in a header free of GLib so the hook gate
 * (libc only) can use it. */
#pragma once

#define VSA_METADATA_NS "http://virt-spice-admin.org/xmlns/console/1.0"
#define VSA_METADATA_PREFIX "vsa"
#define VSA_METADATA_ELEMENT "console"
