#pragma once
// libpq, PostgreSQL's client library: DSNs, .pgpass, service files, TLS and authentication as psql.
#include <libpq-fe.h>
