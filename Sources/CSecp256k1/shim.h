#ifndef DROPBOLT_CSECP256K1_SHIM_H
#define DROPBOLT_CSECP256K1_SHIM_H

#include <secp256k1.h>
#include <secp256k1_recovery.h>
#include <secp256k1_ecdh.h>
#include <secp256k1_extrakeys.h>
#include <secp256k1_schnorrsig.h>

/// The library's built-in read-only context, enough for verification and public-key recovery (no secret keys).
/// Swift would import the `secp256k1_context_static` global as shared mutable state; a function call is not.
static inline const secp256k1_context *_Nonnull dropbolt_secp256k1_static_context(void) {
    return secp256k1_context_static;
}

#endif
