/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Helpers shared by `crashcap capture` and `crashcap savecore`: the dump
 * directory (created without following symlinks), flattened-stream
 * reassembly, and the incomplete flag of a finished file.
 * Return 0 or a negative errno with err filled; nothing prints.
 */
#ifndef CRASHCAP_CAP_UTIL_H
#define CRASHCAP_CAP_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "elfcore.h"

/* "<host>-<YYYY-MM-DD-HH:MM:SS>" (UTC) into out. */
void cap_dump_dir_name(const char *host, int64_t time, char *out, size_t outsz);

/* Open `path` (absolute or relative to dirfd) one component at a time with
 * O_NOFOLLOW|O_DIRECTORY; with `create`, missing components are made 0755.
 * A symlink anywhere in the path is refused (-ELOOP). Returns an fd in *ret_fd. */
int cap_open_dir(int dirfd, const char *path, bool create, int *ret_fd, struct ec_err *err);

/* mkdirat(parent, name, 0700) then open it O_NOFOLLOW. On EEXIST tries
 * "name.1" ... "name.9". The final name goes to ret_name (size namesz). */
int cap_make_dump_dir(int parent, const char *name, int *ret_fd, char *ret_name,
		      size_t namesz, struct ec_err *err);

/* Reader over some stream: returns bytes read (0 at end) or negative errno. */
typedef ssize_t (*cap_read_fn)(void *ctx, void *buf, size_t len);

/* Turn a flattened stream (formats.md §3) into a file written with pwrite on
 * out_fd. A stream that ends without the end marker, or with a short record,
 * sets *ret_truncated (not an error): what came is kept. Bytes of output file
 * size go to *ret_size. -EBADMSG for a stream that is not flattened. */
int cap_flat_reassemble(cap_read_fn rd, void *ctx, int out_fd, bool *ret_truncated,
			uint64_t *ret_size, struct ec_err *err);

/* Set the incomplete flag in a written dump: ELF e_flags |= 1, kdump-compressed
 * status |= 8 (seed 004). -ENOMSG when the file is neither. */
int cap_mark_incomplete(int fd, struct ec_err *err);

/* NFS target "host:/export" (host may be "[v6addr]"): the server part
 * (brackets removed) into ret_host and the export path into ret_export.
 * -EINVAL when there is no ':' followed by an absolute path. */
int cap_nfs_split(const char *spec, char *ret_host, size_t hostsz, char *ret_export,
		  size_t exportsz, struct ec_err *err);

/* The mount(2) attempts for an NFS target whose server address is `addr`
 * (numeric): attempt 0.. gives the filesystem type and the option string
 * (NFSv4.2, v4.1, v4.0, then v3 without locking). -ENOENT past the last. */
int cap_nfs_attempt(int attempt, const char *addr, char *ret_fstype, size_t fstypesz,
		    char *ret_opts, size_t optsz);

/* `in` as one word for a POSIX shell: wrapped in single quotes, each ' in it
 * written as '\'' (so nothing inside is expanded, newlines included).
 * -ENAMETOOLONG when it does not fit outsz (out is then ""). */
int cap_shell_quote(const char *in, char *out, size_t outsz);

/* Host name for dump directory names: uname nodename, or "localhost". */
void cap_hostname(char *out, size_t outsz);

#endif
