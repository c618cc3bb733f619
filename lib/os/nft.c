/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * nft - vipd's one nftables table, through libnftables (see nft.h).
 *
 * libnftables parses a whole buffer and sends it as a single netlink batch,
 * which the kernel commits atomically: either every command of the buffer
 * takes effect or none does. That is the property the callers rely on, so
 * every change goes through nft_apply() with the whole change in one buffer.
 */
#include <errno.h>
#include <malloc.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nftables/libnftables.h>

#include "os/nft.h"

int
nft_open(struct nft *nft)
{
	nft->opened = true;
	nft->ctx = nft_ctx_new(NFT_CTX_DEFAULT);
	if (nft->ctx == NULL)
		return -ENOMEM;
	/* Keep nft's messages for our one log line instead of its stderr. */
	if (nft_ctx_buffer_error(nft->ctx) != 0 ||
	    nft_ctx_buffer_output(nft->ctx) != 0) {
		nft_ctx_free(nft->ctx);
		nft->ctx = NULL;
		return -ENOMEM;
	}
	return 0;
}

void
nft_close(struct nft *nft)
{
	nft->opened = false;
	if (nft->ctx == NULL)
		return;
	nft_ctx_free(nft->ctx);
	nft->ctx = NULL;
}

/* nft's error text spans lines (the command, a caret line); keep the first. */
static void
nft_first_line(const char *text, char *err, size_t err_len)
{
	size_t n;

	if (err == NULL || err_len == 0)
		return;
	if (text == NULL || text[0] == '\0') {
		snprintf(err, err_len, "nftables refused the change");
		return;
	}
	n = strcspn(text, "\n");
	if (n >= err_len)
		n = err_len - 1;
	memcpy(err, text, n);
	err[n] = '\0';
}

/*
 * Run cmd; with out, a copy of nft's output (allocated) on success. Both
 * buffers are read every time: reading them also empties them for the
 * next call.
 */
static int
nft_run(struct nft *nft, const char *cmd, char **out, char *err,
    size_t err_len)
{
	const char *text;
	int rc;

	if (err != NULL && err_len > 0)
		err[0] = '\0';
	if (nft->ctx == NULL && nft->opened)
		(void)nft_open(nft);
	if (nft->ctx == NULL) {
		if (err != NULL && err_len > 0)
			snprintf(err, err_len, "nftables context not open");
		return -EINVAL;
	}
	rc = nft_run_cmd_from_buffer(nft->ctx, cmd);
	/* Valid until the next read of the buffer: copy it now. */
	text = nft_ctx_get_output_buffer(nft->ctx);
	if (rc == 0 && out != NULL &&
	    (*out = strdup(text != NULL ? text : "")) == NULL)
		rc = -ENOMEM;
	else if (rc != 0) {
		nft_first_line(nft_ctx_get_error_buffer(nft->ctx), err, err_len);
		rc = -EINVAL;
	}
	/*
	 * libnftables keeps its cache of the table in the context between
	 * commands: with a balancer of 1000 backends, some 10 MB of heap held
	 * for nothing (every batch of ours replaces what it changes, and the
	 * kernel checks it). A fresh context for the next batch costs a
	 * fraction of a millisecond; batches come at most every 50 ms.
	 * A large transaction also takes libnftables some 20 MB for its parse,
	 * freed when it returns, which glibc would keep resident: give it back.
	 */
	nft_ctx_free(nft->ctx);
	nft->ctx = NULL;
	(void)malloc_trim(0);
	(void)nft_open(nft);          /* or again at the next batch */
	return rc;
}

int
nft_apply(struct nft *nft, const char *batch, char *err, size_t err_len)
{
	return nft_run(nft, batch, NULL, err, err_len);
}

int
nft_table_reset(struct nft *nft, char *err, size_t err_len)
{
	/*
	 * "add" then "delete" then "add" in one batch: the first makes sure the
	 * delete has something to remove, so the batch works whether or not a
	 * stale table exists, and no moment exists without the fresh table.
	 */
	return nft_apply(nft,
	    "add table " NFT_TABLE "\n"
	    "delete table " NFT_TABLE "\n"
	    "add table " NFT_TABLE "\n", err, err_len);
}

int
nft_table_remove(struct nft *nft, char *err, size_t err_len)
{
	return nft_apply(nft,
	    "add table " NFT_TABLE "\n"
	    "delete table " NFT_TABLE "\n", err, err_len);
}

int
nft_query(struct nft *nft, const char *cmd, char **out, char *err,
    size_t err_len)
{
	*out = NULL;
	return nft_run(nft, cmd, out, err, err_len);
}
