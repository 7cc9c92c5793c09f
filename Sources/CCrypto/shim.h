#pragma once
// The system's OpenSSL libcrypto (the one libcurl and libpq load): SHA-256 and HMAC for SigV4, and
// OpenSSL's default trust store location for libpq's sslrootcert=system on libpq before 16.
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/x509.h>
