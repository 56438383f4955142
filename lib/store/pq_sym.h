/* SPDX-License-Identifier: MIT */
/* pq_sym.h: libpq (PostgreSQL client) through dlopen on first use (base/dlib.h): the
 * functions the PostgreSQL store and environment databases call. Include this instead of
 * <libpq-fe.h>. */
#ifndef FERRY_STORE_PQ_SYM_H
#define FERRY_STORE_PQ_SYM_H

#include <libpq-fe.h>

#include "ferry/base/dlib.h"

#define FERRY_PQ_SYMS(X) \
	X(PQclear) \
	X(PQcmdStatus) \
	X(PQcmdTuples) \
	X(PQconnectdb) \
	X(PQconnectdbParams) \
	X(PQconninfoFree) \
	X(PQconninfoParse) \
	X(PQerrorMessage) \
	X(PQescapeIdentifier) \
	X(PQexec) \
	X(PQexecParams) \
	X(PQfinish) \
	X(PQfname) \
	X(PQfreemem) \
	X(PQgetCopyData) \
	X(PQgetResult) \
	X(PQgetisnull) \
	X(PQgetvalue) \
	X(PQnfields) \
	X(PQntuples) \
	X(PQreset) \
	X(PQresultErrorField) \
	X(PQresultErrorMessage) \
	X(PQresultStatus) \
	X(PQserverVersion) \
	X(PQsetNoticeProcessor) \
	X(PQsocket) \
	X(PQstatus) \
	X(PQtransactionStatus)

FERRY_PQ_SYMS(FERRY_DLSYM_DECLARE)

/* Loads the library and resolves the table (first call; then a no-op): 0, or FERRY_EIO
 * naming the library and the Debian package to install. Call before the first call. */
int ferry_pq_load(struct ferry_error *err);

/* Calls of these names go through the table. */
#define PQclear ferry_sym_PQclear
#define PQcmdStatus ferry_sym_PQcmdStatus
#define PQcmdTuples ferry_sym_PQcmdTuples
#define PQconnectdb ferry_sym_PQconnectdb
#define PQconnectdbParams ferry_sym_PQconnectdbParams
#define PQconninfoFree ferry_sym_PQconninfoFree
#define PQconninfoParse ferry_sym_PQconninfoParse
#define PQerrorMessage ferry_sym_PQerrorMessage
#define PQescapeIdentifier ferry_sym_PQescapeIdentifier
#define PQexec ferry_sym_PQexec
#define PQexecParams ferry_sym_PQexecParams
#define PQfinish ferry_sym_PQfinish
#define PQfname ferry_sym_PQfname
#define PQfreemem ferry_sym_PQfreemem
#define PQgetCopyData ferry_sym_PQgetCopyData
#define PQgetResult ferry_sym_PQgetResult
#define PQgetisnull ferry_sym_PQgetisnull
#define PQgetvalue ferry_sym_PQgetvalue
#define PQnfields ferry_sym_PQnfields
#define PQntuples ferry_sym_PQntuples
#define PQreset ferry_sym_PQreset
#define PQresultErrorField ferry_sym_PQresultErrorField
#define PQresultErrorMessage ferry_sym_PQresultErrorMessage
#define PQresultStatus ferry_sym_PQresultStatus
#define PQserverVersion ferry_sym_PQserverVersion
#define PQsetNoticeProcessor ferry_sym_PQsetNoticeProcessor
#define PQsocket ferry_sym_PQsocket
#define PQstatus ferry_sym_PQstatus
#define PQtransactionStatus ferry_sym_PQtransactionStatus

#endif
