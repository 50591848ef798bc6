#!/usr/bin/env python3
"""A MongoDB wire test server, not mongod: mockupdb speaks the wire protocol (OP_MSG with document
sequences, OP_QUERY hello) and mongomock gives the query, update and aggregate semantics.

  python3 mongo-wire-server.py [--port N] [--ttl-seconds S]

Prints one line `listening <port>` when ready. TTL indexes are swept every --ttl-seconds
(mongod's pass runs every 60 s, the default). No transactions and no change streams: those get
mongod's error codes (20 IllegalOperation, 40573)."""
import argparse
import copy
import datetime
import itertools
import sys
import threading
import time
from collections import OrderedDict

import bson
import mockupdb
import mongomock
from bson.int64 import Int64
from mongomock import collection as mm_collection
from mongomock import helpers as mm_helpers
from mongomock.filtering import filter_applies, resolve_sort_key
from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError, OperationFailure

LOCK = threading.RLock()
CLIENT = mongomock.MongoClient()
CURSORS = {}
CURSOR_IDS = itertools.count(1)
TTL = {}  # (db, coll, index name) -> (field, seconds)
START = datetime.datetime.utcnow()


def _ensure_uniques(self, new_data):
    """mongomock's unique check, raising what mongod raises: code 11000 with keyPattern/keyValue."""
    for name, index in self._store.indexes.items():
        if not index.get('unique'):
            continue
        query = OrderedDict()
        for key, _ in index.get('key'):
            try:
                query[key] = mm_helpers.get_value_by_dot(new_data, key)
            except KeyError:
                query[key] = None
        if index.get('sparse') and set(query.values()) == {None}:
            continue
        pfe = index.get('partialFilterExpression')
        if pfe is None:
            # A plain scan: mongomock's filter matching per document is too slow for 1000s.
            wanted = list(query.values())
            same = sum(1 for doc in self._store.documents if _values(doc, query) == wanted)
        else:
            same = len(list(self._iter_documents({'$and': [pfe, dict(query)]})))
        if same > 1:
            raise_duplicate(self.full_name, name, OrderedDict(index.get('key')), query)


def _values(doc, query):
    out = []
    for key in query:
        try:
            out.append(mm_helpers.get_value_by_dot(doc, key))
        except KeyError:
            out.append(None)
    return out


def raise_duplicate(ns, name, pattern, value):
    message = 'E11000 duplicate key error collection: %s index: %s dup key: %s' % (
        ns, name, dict(value))
    raise DuplicateKeyError(message, 11000, {
        'code': 11000, 'errmsg': message, 'keyPattern': pattern, 'keyValue': value})


mm_collection.Collection._ensure_uniques = _ensure_uniques


class _Bson(object):
    """mongomock checks keys as pymongo 3 did; mongod 5+ allows dots in field names."""

    @staticmethod
    def encode(document, check_keys=False, **kwargs):
        return bson.BSON.encode(document, **kwargs)


mm_collection.BSON = _Bson


def dup_fields(error):
    details = error.details or {}
    if 'keyPattern' in details:
        return {'keyPattern': details['keyPattern'], 'keyValue': details['keyValue']}
    return {'keyPattern': {'_id': 1}, 'keyValue': {}}


def err(code, message, name=None, **extra):
    reply = OrderedDict(ok=0, errmsg=message, code=code)
    if name:
        reply['codeName'] = name
    reply.update(extra)
    return reply


def hello(_db, _cmd):
    return OrderedDict(
        ok=1, ismaster=True, isWritablePrimary=True, helloOk=True, maxWireVersion=21,
        minWireVersion=0, maxBsonObjectSize=16 * 1024 * 1024, maxMessageSizeBytes=48000000,
        maxWriteBatchSize=100000, localTime=datetime.datetime.utcnow(),
        logicalSessionTimeoutMinutes=30, connectionId=1, readOnly=False,
        msg='MongoDB wire test server, not mongod')


def cursor_reply(ns, docs, batch_size=None, single=False):
    docs = list(docs)
    size = len(docs) if batch_size is None or batch_size <= 0 else batch_size
    first, rest = docs[:size], docs[size:]
    cursor_id = 0
    if rest and not single:
        cursor_id = next(CURSOR_IDS)
        CURSORS[cursor_id] = (ns, rest)
    return OrderedDict(cursor=OrderedDict(id=Int64(cursor_id), ns=ns, firstBatch=first), ok=1)


def sort_list(sort):
    return list(sort.items()) if sort else None


def find(db, cmd):
    coll = db[cmd['find']]
    limit = int(cmd.get('limit') or 0)
    single = bool(cmd.get('singleBatch')) or limit < 0
    query, projection, sort = cmd.get('filter') or {}, cmd.get('projection') or None, cmd.get('sort')
    window = dict(skip=int(cmd.get('skip') or 0), limit=abs(limit), sort=sort_list(sort))
    try:
        docs = find_fast(coll, query, projection, sort, window)
    except (TypeError, KeyError, OperationFailure):
        docs = list(coll.find(query, projection, **window))
    return cursor_reply(coll.full_name, docs, cmd.get('batchSize'), single)


def find_fast(coll, query, projection, sort, window):
    """mongomock copies every matching document before it sorts and limits: filter, sort and
    limit the stored documents in place, then copy the few returned."""
    if sort and any(key.startswith('$') for key in sort):
        raise TypeError('no fast path')
    docs = [doc for doc in list(coll._store.documents) if filter_applies(query, doc)]
    for key, direction in reversed(list((sort or {}).items())):
        docs.sort(key=lambda doc, key=key: resolve_sort_key(key, doc), reverse=direction < 0)
    skip, limit = window['skip'], window['limit']
    ids = [doc['_id'] for doc in docs[skip:skip + limit if limit else None]]
    if projection:
        by_id = {doc['_id']: doc for doc in coll.find({'_id': {'$in': ids}}, projection)}
        return [by_id[i] for i in ids if i in by_id]
    return [copy.deepcopy(coll._store[i]) for i in ids]


def get_more(_db, cmd):
    cursor_id = int(cmd['getMore'])
    if cursor_id not in CURSORS:
        return err(43, 'cursor id %d not found' % cursor_id, 'CursorNotFound')
    ns, docs = CURSORS.pop(cursor_id)
    size = int(cmd.get('batchSize') or 0) or len(docs)
    batch, rest = docs[:size], docs[size:]
    if rest:
        CURSORS[cursor_id] = (ns, rest)
    return OrderedDict(cursor=OrderedDict(
        id=Int64(cursor_id if rest else 0), ns=ns, nextBatch=batch), ok=1)


def kill_cursors(_db, cmd):
    ids = [int(i) for i in cmd.get('cursors', [])]
    killed = [Int64(i) for i in ids if CURSORS.pop(i, None) is not None]
    return OrderedDict(cursorsKilled=killed, cursorsNotFound=[
        Int64(i) for i in ids if Int64(i) not in killed], cursorsAlive=[], cursorsUnknown=[], ok=1)


def message(error):
    return (error.details or {}).get('errmsg') or str(error)


def write_error(index, error):
    entry = OrderedDict(index=index, code=error.code or 2, errmsg=message(error))
    if error.code == 11000:
        entry.update(dup_fields(error))
    return entry


def insert(db, cmd):
    coll, n, errors = db[cmd['insert']], 0, []
    for index, doc in enumerate(cmd.get('documents', [])):
        try:
            coll.insert_one(doc)
            n += 1
        except DuplicateKeyError as error:
            if not (error.details or {}).get('keyPattern'):
                error = DuplicateKeyError(str(error), 11000, {
                    'keyPattern': {'_id': 1}, 'keyValue': {'_id': doc.get('_id')}})
            errors.append(write_error(index, error))
        except OperationFailure as error:
            errors.append(write_error(index, error))
        if errors and cmd.get('ordered', True):
            break
    reply = OrderedDict(n=n, ok=1)
    if errors:
        reply['writeErrors'] = errors
    return reply


def is_replacement(update):
    return isinstance(update, dict) and not any(k.startswith('$') for k in update)


def update(db, cmd):
    coll, n, modified, upserted, errors = db[cmd['update']], 0, 0, [], []
    for index, spec in enumerate(cmd.get('updates', [])):
        q, u, upsert = spec.get('q') or {}, spec.get('u'), bool(spec.get('upsert'))
        try:
            if is_replacement(u):
                result = coll.replace_one(q, u, upsert=upsert)
            elif spec.get('multi'):
                result = coll.update_many(q, u, upsert=upsert,
                                          array_filters=spec.get('arrayFilters'))
            else:
                result = coll.update_one(q, u, upsert=upsert,
                                         array_filters=spec.get('arrayFilters'))
            n += result.matched_count
            modified += result.modified_count
            if result.upserted_id is not None:
                n += 1
                upserted.append(OrderedDict(index=index, _id=result.upserted_id))
        except OperationFailure as error:
            errors.append(write_error(index, error))
            if cmd.get('ordered', True):
                break
    reply = OrderedDict(n=n, nModified=modified, ok=1)
    if upserted:
        reply['upserted'] = upserted
    if errors:
        reply['writeErrors'] = errors
    return reply


def delete(db, cmd):
    coll, n = db[cmd['delete']], 0
    for spec in cmd.get('deletes', []):
        q = spec.get('q') or {}
        result = coll.delete_one(q) if int(spec.get('limit', 0)) == 1 else coll.delete_many(q)
        n += result.deleted_count
    return OrderedDict(n=n, ok=1)


def find_and_modify(db, cmd):
    coll = db[cmd['findAndModify']]
    query, sort, fields = cmd.get('query') or {}, sort_list(cmd.get('sort')), cmd.get('fields')
    upsert, new = bool(cmd.get('upsert')), bool(cmd.get('new'))
    try:
        before = coll.find_one(query, sort=sort)
        if cmd.get('remove'):
            value = coll.find_one_and_delete(query, projection=fields, sort=sort)
            return OrderedDict(lastErrorObject=OrderedDict(n=1 if value else 0), value=value, ok=1)
        u = cmd.get('update')
        how = ReturnDocument.AFTER if new else ReturnDocument.BEFORE
        if is_replacement(u):
            value = coll.find_one_and_replace(query, u, projection=fields, sort=sort,
                                              upsert=upsert, return_document=how)
        else:
            value = coll.find_one_and_update(query, u, projection=fields, sort=sort,
                                             upsert=upsert, return_document=how,
                                             array_filters=cmd.get('arrayFilters'))
    except DuplicateKeyError as error:
        return err(11000, message(error), 'DuplicateKey', **dup_fields(error))
    except OperationFailure as error:
        return err(error.code or 2, message(error))
    last = OrderedDict(n=1, updatedExisting=before is not None)
    if before is None:
        if upsert:
            created = coll.find_one(query, sort=sort)
            last['upserted'] = created['_id'] if created else None
        else:
            last['n'] = 0
    return OrderedDict(lastErrorObject=last, value=value, ok=1)


def aggregate(db, cmd):
    pipeline = cmd.get('pipeline', [])
    if any('$changeStream' in stage for stage in pipeline):
        return err(40573, 'The $changeStream stage is only supported on replica sets',
                   'Location40573')
    coll = db[cmd['aggregate']] if isinstance(cmd['aggregate'], str) else None
    if coll is None:
        return err(73, 'aggregate without a collection is not supported here', 'InvalidNamespace')
    batch = (cmd.get('cursor') or {}).get('batchSize')
    return cursor_reply(coll.full_name, coll.aggregate(pipeline), batch)


def count(db, cmd):
    coll = db[cmd['count']]
    kwargs = {k: int(cmd[k]) for k in ('skip', 'limit') if cmd.get(k)}
    return OrderedDict(n=coll.count_documents(cmd.get('query') or {}, **kwargs), ok=1)


def distinct(db, cmd):
    coll = db[cmd['distinct']]
    return OrderedDict(values=coll.distinct(cmd['key'], cmd.get('query') or {}), ok=1)


INDEX_OPTIONS = ('unique', 'sparse', 'partialFilterExpression', 'expireAfterSeconds')


def create_indexes(db, cmd):
    coll = db[cmd['createIndexes']]
    before = len(coll.index_information()) if cmd['createIndexes'] in db.list_collection_names() else 1
    for spec in cmd.get('indexes', []):
        # Not given to mongomock: it drops expired documents on every access; mongod (and this
        # server) in a background pass.
        options = {k: spec[k] for k in INDEX_OPTIONS if k in spec and k != 'expireAfterSeconds'}
        try:
            coll.create_index(list(spec['key'].items()), name=spec.get('name'), **options)
        except DuplicateKeyError as error:
            return err(11000, message(error), 'DuplicateKey', **dup_fields(error))
        except OperationFailure as error:
            return err(error.code or 85, message(error), 'IndexOptionsConflict')
        if 'expireAfterSeconds' in spec:
            field = next(iter(spec['key']))
            TTL[(db.name, coll.name, spec.get('name'))] = (field, spec['expireAfterSeconds'])
    after = len(coll.index_information())
    return OrderedDict(createdCollectionAutomatically=False, numIndexesBefore=before,
                       numIndexesAfter=after, ok=1)


def list_indexes(db, cmd):
    name = cmd['listIndexes']
    if name not in db.list_collection_names():
        return err(26, 'ns does not exist: %s.%s' % (db.name, name), 'NamespaceNotFound')
    coll, out = db[name], []
    for index_name, info in coll.index_information().items():
        entry = OrderedDict(v=2, key=OrderedDict(info['key']), name=index_name)
        for option in INDEX_OPTIONS:
            if option in info:
                entry[option] = info[option]
        ttl = TTL.get((db.name, name, index_name))
        if ttl is not None:
            entry['expireAfterSeconds'] = ttl[1]
        out.append(entry)
    return cursor_reply(coll.full_name, out)


def drop_indexes(db, cmd):
    coll, which = db[cmd['dropIndexes']], cmd.get('index')
    if which == '*':
        coll.drop_indexes()
    else:
        coll.drop_index(which if isinstance(which, str) else list(which.items()))
    return OrderedDict(ok=1)


def list_collections(db, cmd):
    names = db.list_collection_names()
    wanted = (cmd.get('filter') or {}).get('name')
    docs = [OrderedDict(name=n, type='collection', options={}, info={'readOnly': False})
            for n in names if wanted is None or n == wanted]
    return cursor_reply('%s.$cmd.listCollections' % db.name, docs)


def create(db, cmd):
    if cmd['create'] in db.list_collection_names():
        return err(48, 'Collection %s.%s already exists.' % (db.name, cmd['create']),
                   'NamespaceExists')
    db.create_collection(cmd['create'])
    return OrderedDict(ok=1)


def drop(db, cmd):
    if cmd['drop'] not in db.list_collection_names():
        return err(26, 'ns not found', 'NamespaceNotFound')
    db.drop_collection(cmd['drop'])
    return OrderedDict(ok=1)


def drop_database(db, _cmd):
    CLIENT.drop_database(db.name)
    for key in [k for k in TTL if k[0] == db.name]:
        del TTL[key]
    return OrderedDict(ok=1, dropped=db.name)


def list_databases(_db, cmd):
    names = CLIENT.list_database_names()
    if cmd.get('nameOnly'):
        return OrderedDict(databases=[{'name': n} for n in names], ok=1)
    return OrderedDict(databases=[OrderedDict(name=n, sizeOnDisk=0, empty=False)
                                  for n in names], totalSize=0, ok=1)


def ok(_db, _cmd):
    return OrderedDict(ok=1)


def build_info(_db, _cmd):
    return OrderedDict(version='7.0.0', versionArray=[7, 0, 0, 0], maxBsonObjectSize=16777216,
                       ok=1, note='MongoDB wire test server, not mongod')


def transaction_refused(_db, _cmd):
    return err(20, 'Transaction numbers are only allowed on a replica set member or mongos',
               'IllegalOperation')


COMMANDS = {
    'hello': hello, 'ismaster': hello, 'ping': ok, 'buildinfo': build_info,
    'endsessions': ok, 'find': find, 'getmore': get_more, 'killcursors': kill_cursors,
    'insert': insert, 'update': update, 'delete': delete, 'findandmodify': find_and_modify,
    'aggregate': aggregate, 'count': count, 'distinct': distinct,
    'createindexes': create_indexes, 'listindexes': list_indexes, 'dropindexes': drop_indexes,
    'listcollections': list_collections, 'create': create, 'drop': drop,
    'dropdatabase': drop_database, 'listdatabases': list_databases,
    'committransaction': transaction_refused, 'aborttransaction': transaction_refused,
    'getlasterror': ok, 'getparameter': ok, 'serverstatus': ok,
}


def handle(request):
    doc = request.doc
    name = next(iter(doc)) if doc else ''
    handler = COMMANDS.get(name.lower())
    db = CLIENT[request.namespace.split('.')[0] if request.namespace else 'admin']
    with LOCK:
        if 'txnNumber' in doc and doc.get('startTransaction') or 'autocommit' in doc:
            reply = transaction_refused(db, doc)
        elif handler is None:
            reply = err(59, 'no such command: \'%s\'' % name, 'CommandNotFound')
        else:
            try:
                reply = handler(db, doc)
            except OperationFailure as error:
                reply = err(error.code or 2, message(error))
            except Exception as error:  # a bug here must answer, not hang the client
                reply = err(1, '%s: %s' % (type(error).__name__, error), 'InternalError')
    request.reply(reply)
    return True


def sweep_ttl():
    now = datetime.datetime.utcnow()
    with LOCK:
        for (db_name, coll_name, _), (field, seconds) in list(TTL.items()):
            cutoff = now - datetime.timedelta(seconds=float(seconds))
            CLIENT[db_name][coll_name].delete_many({field: {'$lt': cutoff}})


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--port', type=int, default=0)
    parser.add_argument('--ttl-seconds', type=float, default=60.0)
    args = parser.parse_args()
    server = mockupdb.MockupDB(port=args.port, auto_ismaster=False, max_wire_version=21)
    server.autoresponds(handle)
    port = server.run()
    print('listening %d' % port, flush=True)
    try:
        while True:
            time.sleep(args.ttl_seconds)
            sweep_ttl()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()


if __name__ == '__main__':
    main()
