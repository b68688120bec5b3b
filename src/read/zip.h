/* SPDX-License-Identifier: MIT */
/* Zip archives (libarchive): their members, one by one, each a source of its own. */
#ifndef JM_ZIP_H
#define JM_ZIP_H

#include "source.h"

#include <jmine/jmine.h>

/* Called with each member to read, a source named "ARCHIVE:MEMBER" (the fn must not close
 * it). A status other than JM_OK stops the walk and is returned, *err with it. */
typedef jm_status (*jm__member_fn)(void *data, jm__source *member, char **err);

/* Read the members of the zip archive src (jm__source_kind JM_BYTES_ZIP) named name, in
 * archive order: directories, hidden files and macOS resource forks (__MACOSX/) are skipped;
 * an Excel workbook (members under xl/), a Word document (word/), an OpenDocument spreadsheet
 * (its mimetype member) and an archive with no member to read are refused (JM_EINPUT with a
 * malloc'd message in *err saying what the file is and what to do), as is a damaged or
 * encrypted member (naming it). */
jm_status jm__zip_members(jm__source *src, const char *name, jm__member_fn fn, void *data,
                          char **err);

#endif
