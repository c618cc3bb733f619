/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * bfd_auth - the SHA1 hash of keyed SHA1 and meticulous keyed SHA1 BFD
 * authentication (RFC 5880 6.7.4), over an encoded control packet, through
 * os/digest.
 *
 * Owns: where the key goes while hashing (in the Auth Key/Hash field,
 * padded to 20 bytes with zeros) and the comparison of the result. OS glue
 * only because the hash is libcrypto's. Never does: key files (the caller
 * reads the key, wipes it with digest_wipe when done), the key id or the
 * sequence number (bfd_session, bfd_seq), or the packet's layout
 * (bfd_pkt).
 */
#ifndef VIPD_BFD_AUTH_H
#define VIPD_BFD_AUTH_H

#include <stddef.h>
#include <stdint.h>

#include "bfd/bfd_pkt.h"

#define BFD_AUTH_KEY_MAX 20        /* RFC 5880 6.7.4: up to 20 bytes */

/*
 * Sign pkt, an encoded packet with a SHA1 authentication section (len
 * 52, as bfd_pkt_encode makes it): its hash field becomes SHA1 of the
 * packet with the key in that field. Returns 0, -EINVAL (len not 52,
 * key empty or longer than 20 bytes), or digest_hash's error.
 */
int bfd_auth_sign(uint8_t *pkt, size_t len, const uint8_t *key, size_t key_len);

/*
 * Check the hash of a received packet that bfd_pkt_decode accepted with a
 * SHA1 type: BFD_DROP_NONE when it matches, BFD_DROP_AUTH when it does
 * not (or cannot be computed), BFD_DROP_LENGTH when len is not 52. The
 * comparison takes the same time wherever the hashes differ.
 */
enum bfd_drop bfd_auth_verify(const uint8_t *pkt, size_t len,
			      const uint8_t *key, size_t key_len);

#endif
