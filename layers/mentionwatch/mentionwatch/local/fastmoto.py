"""moto made fast enough to replay a day: partition indexes for DynamoDB Query, cheap SQS receives.

moto answers every Query by sorting every item of the table, then comparing each one with the key condition, so
a burst of a few thousand mentions slows the local stack to a few mentions a second. `install()` patches moto (in
this process only, for the local stack, replay and tests; never shipped in the Lambda package) so that:

- a Query hands moto's own query code only the items of the partition it names (the base table's hash bucket, or
  the items whose index hash key equals the queried value), kept in a map updated on every write;
- on an index with one hash and one range key, only the items its key condition, start key and limit can reach:
  the partition is kept sorted (until a write touches it) and the range is found by bisection, so a page of 50
  from a partition of 10,000 compares about 50 items, not 10,000;
- sorting a partition compares plain Python values instead of moto's `DynamoType` objects;
- a new item's 400 KB size check runs once per item, not once per attribute (moto re-measures the whole item for
  each attribute it sets: quadratic in the number of attributes), and the size is kept on the item: a Query
  measures every item of the partition against its 1 MB page (twice for each item it returns), which made a
  listing over 10,000 stored mentions take seconds; an update in place forgets the kept size;
- DynamoDB answers are written with `json.dumps` (they are wire-format documents already), not moto's generic
  serializer;
- projecting an item onto top-level attributes (index projections, ProjectionExpression) copies those attributes
  instead of converting the whole item to JSON and back once per attribute named;
- copying items (every Query answer and every write copies what it touches) builds the attribute trees directly
  instead of going through `copy.deepcopy`'s dispatch for each value, and the response classes' method names are
  listed once per class, not once per request;
- SQS's retention check on every received message reads the queue's retention period instead of computing all
  of the queue's attributes (which counts every message: quadratic in the queue's depth), and listing a queue's
  visible messages reads the clock once, not twice per message.

moto's own code still applies every condition, order, page and projection, so answers are unchanged: the map
only has to hold a superset of the partition, which it does because every write path refreshes the written key.
"""

from __future__ import annotations

import bisect
import copy
import inspect
import json
import threading
from collections.abc import Callable
from decimal import Decimal
from typing import Any

# Kept on a moto item until an update changes it in place: its size in bytes, and its sort keys per index.
_SIZE = "_mentionwatch_size"
_SORT_KEYS = "_mentionwatch_sort_keys"
_lock = threading.RLock()
_scope = threading.local()  # (table, candidate items) while one Query runs on this thread
_installed = False

Key = tuple[Any, Any]  # (hash DynamoType, range DynamoType | None)


class _Partitions:
    """For one moto table: index name → index hash value → the items in that partition, by key.

    It holds the stored item objects themselves: every write refreshes the written key with the item then stored,
    and a transaction's rollback restores a deep copy of the whole table, this map included (one copy, one memo:
    the copied map points at the copied items)."""

    def __init__(self, table: Any) -> None:
        self.hash_attributes: dict[str, str] = {}
        for index in table.global_indexes or []:
            hashes = [key["AttributeName"] for key in index.schema if key["KeyType"] == "HASH"]
            if len(hashes) == 1:  # multi-attribute keys keep moto's full scan
                self.hash_attributes[index.name] = hashes[0]
        self.members: dict[str, dict[Any, dict[Key, Any]]] = {name: {} for name in self.hash_attributes}
        self.placed: dict[Key, dict[str, Any]] = {}
        # (index, hash value) → sort attributes → the partition in index order; dropped when a write touches it
        self.views: dict[tuple[str, Any], dict[tuple[str, ...], _View]] = {}
        for item in _every_item(table):
            self.refresh((item.hash_key, item.range_key), item)

    def refresh(self, key: Key, item: Any) -> None:
        for index, value in self.placed.pop(key, {}).items():
            self.views.pop((index, value), None)
            partition = self.members[index].get(value)
            if partition is not None:
                partition.pop(key, None)
                if not partition:
                    del self.members[index][value]
        if item is None:
            return
        placed: dict[str, Any] = {}
        for index, attribute in self.hash_attributes.items():
            value = item.attrs.get(attribute)
            if value is not None:
                self.members[index].setdefault(value, {})[key] = item
                self.views.pop((index, value), None)
                placed[index] = value
        if placed:
            self.placed[key] = placed


class _View:
    """One index partition in index order: its items, their sort keys and their index range values (plain values)."""

    def __init__(self, items: list[Any], sort_keys: list[tuple[Any, ...]], range_values: list[Any]) -> None:
        self.items = items
        self.sort_keys = sort_keys
        self.range_values = range_values


_VALUE_KINDS = (str, Decimal, bytes)


def _view(
    partitions: _Partitions, index: str, hash_value: Any, range_attribute: str, attributes: tuple[str, ...]
) -> _View | None:
    """The partition sorted as moto sorts it, or None when its range values are not all of one kind."""
    views = partitions.views.setdefault((index, hash_value), {})
    view = views.get(attributes)
    if view is None:
        position = attributes.index(range_attribute)
        # moto leaves out an index entry without every key attribute (DynamoDB does not index it)
        partition = partitions.members[index].get(hash_value, {}).values()
        members = [item for item in partition if item.attrs.get(range_attribute)]
        try:
            keyed = sorted(((_sort_key(item, attributes), item) for item in members), key=lambda pair: pair[0])
        except (KeyError, TypeError):  # a key attribute missing, or values that do not compare: moto decides
            return None
        values = [key[position] for key, _ in keyed]
        kinds = {type(value) for value in values}
        if len(kinds) > 1 or not kinds <= set(_VALUE_KINDS):
            return None
        view = views[attributes] = _View([item for _, item in keyed], [key for key, _ in keyed], values)
    return view


def _successor(prefix: Any) -> Any:
    """The least value above every value that begins with `prefix` (None: no such value of that kind)."""
    if isinstance(prefix, str) and prefix and ord(prefix[-1]) < 0x10FFFF:
        return prefix[:-1] + chr(ord(prefix[-1]) + 1)
    if isinstance(prefix, bytes) and prefix and prefix[-1] < 0xFF:
        return prefix[:-1] + bytes([prefix[-1] + 1])
    return None


def _window(table: Any, hash_key: Any, query: inspect.BoundArguments) -> list[Any] | None:
    """The items of an index partition a Query can reach: those its range condition selects, after its start key,
    at most `limit` + 1 of them in its direction (the one more tells moto there is a next page). None: moto decides
    (a comparison, key shape or value kind this does not cover)."""
    from moto.dynamodb.models.dynamo_type import DynamoType

    arguments = query.arguments
    comparison = arguments.get("range_comparison")
    if arguments.get("filter_kwargs") or len(arguments.get("range_key_conditions") or ()) > 1:
        return None
    if len(arguments.get("hash_key_conditions") or ()) > 1 or comparison not in _WINDOW_COMPARISONS:
        return None
    index = next((each for each in table.global_indexes or [] if each.name == arguments.get("index_name")), None)
    if index is None:
        return None
    hashes = [key["AttributeName"] for key in index.schema if key["KeyType"] == "HASH"]
    ranges = [key["AttributeName"] for key in index.schema if key["KeyType"] == "RANGE"]
    if len(hashes) != 1 or len(ranges) != 1:
        return None
    attributes = tuple(
        table._generate_attr_to_sort_by([hashes[0], table.hash_key_attr], [ranges[0], table.range_key_attr])
    )
    with _lock:
        partitions = _partitions(table, create=True)
        if partitions is None or index.name not in partitions.hash_attributes:
            return None
        view = _view(partitions, index.name, hash_key, ranges[0], attributes)
    if view is None:
        return None
    bounds = [each.cast_value for each in arguments.get("range_objs") or ()]
    if any(not isinstance(bound, _VALUE_KINDS) for bound in bounds):
        return None
    if view.range_values and any(type(bound) is not type(view.range_values[0]) for bound in bounds):
        return None
    values = view.range_values
    low, high = 0, len(values)
    if comparison in ("EQ", "="):
        low, high = bisect.bisect_left(values, bounds[0]), bisect.bisect_right(values, bounds[0])
    elif comparison in ("LT", "<"):
        high = bisect.bisect_left(values, bounds[0])
    elif comparison in ("LE", "<="):
        high = bisect.bisect_right(values, bounds[0])
    elif comparison in ("GT", ">"):
        low = bisect.bisect_right(values, bounds[0])
    elif comparison in ("GE", ">="):
        low = bisect.bisect_left(values, bounds[0])
    elif comparison == "BETWEEN":
        low, high = bisect.bisect_left(values, bounds[0]), bisect.bisect_right(values, bounds[1])
    elif comparison == "BEGINS_WITH":
        above = _successor(bounds[0])
        if above is None:
            return None
        low, high = bisect.bisect_left(values, bounds[0]), bisect.bisect_left(values, above)
    forward = arguments.get("scan_index_forward") is not False
    start = arguments.get("exclusive_start_key")
    if start:
        if any(name not in start for name in attributes):
            return None
        start_key = tuple(DynamoType(start[name]).cast_value for name in attributes)
        try:
            if forward:  # moto skips every item up to and including the start key
                low = max(low, bisect.bisect_right(view.sort_keys, start_key, low, max(low, high)))
            else:
                high = min(high, bisect.bisect_left(view.sort_keys, start_key, low, max(low, high)))
        except TypeError:
            return None
    high = max(low, high)
    # moto ends a page (and gives the key to go on from) when it meets one more item of the partition past a full
    # page, whether or not that item matches: keep the item just past the range, in the reading direction.
    if forward:
        high = min(len(values), high + 1)
    else:
        low = max(0, low - 1)
    limit = arguments.get("limit")
    if isinstance(limit, int) and limit >= 0:
        if forward:
            high = min(high, low + limit + 1)
        else:
            low = max(low, high - limit - 1)
    return view.items[low:high]


_WINDOW_COMPARISONS = {None, "EQ", "=", "LT", "<", "LE", "<=", "GT", ">", "GE", ">=", "BETWEEN", "BEGINS_WITH"}


def _every_item(table: Any) -> list[Any]:
    if table.range_key_attr:
        return [item for bucket in table.items.values() for item in bucket.values()]
    return list(table.items.values())


def _lookup(table: Any, key: Key) -> Any:
    hash_value, range_value = key
    bucket = table.items.get(hash_value)
    if bucket is None:
        return None
    return bucket.get(range_value) if table.range_key_attr else bucket


def _partitions(table: Any, create: bool) -> _Partitions | None:
    partitions: _Partitions | None = table.__dict__.get("_mentionwatch_partitions")
    if partitions is None and create:
        partitions = _Partitions(table)
        table.__dict__["_mentionwatch_partitions"] = partitions
    return partitions


def _refresh(table: Any, key: Key) -> None:
    with _lock:
        partitions = _partitions(table, create=False)
        if partitions is not None:  # built on the first index Query; until then there is nothing to keep current
            partitions.refresh(key, _lookup(table, key))


def _candidates(table: Any, hash_key: Any, index_name: str | None) -> list[Any] | None:
    """The items a Query can match, or None when only moto's full scan knows (no single hash value)."""
    if hash_key is None:
        return None
    with _lock:
        if not index_name:
            bucket = table.items.get(hash_key)
            if bucket is None:
                return []
            return list(bucket.values()) if table.range_key_attr else [bucket]
        partitions = _partitions(table, create=True)
        assert partitions is not None
        if index_name not in partitions.hash_attributes:
            return None
        return list(partitions.members[index_name].get(hash_key, {}).values())


def _sort_key(item: Any, attributes: tuple[str, ...]) -> tuple[Any, ...]:
    kept: dict[tuple[str, ...], tuple[Any, ...]] = item.__dict__.setdefault(_SORT_KEYS, {})
    key = kept.get(attributes)
    if key is None:
        key = kept[attributes] = tuple(item.attrs[name].cast_value for name in attributes)
    return key


def install() -> None:
    """Patch moto's DynamoDB for this process (idempotent)."""
    global _installed
    with _lock:
        if _installed:
            return
        from moto.dynamodb.models import DynamoDBBackend
        from moto.dynamodb.models.table import Table

        original_query: Callable[..., Any] = Table.query
        original_all_items: Callable[..., Any] = Table.all_items
        original_put: Callable[..., Any] = Table.put_item
        original_delete: Callable[..., Any] = Table.delete_item
        original_update: Callable[..., Any] = DynamoDBBackend.update_item

        signature = inspect.signature(original_query)

        def query(self: Any, hash_key: Any, *args: Any, **kwargs: Any) -> Any:
            index_name = kwargs.get("index_name", args[6] if len(args) > 6 else None)
            candidates = _candidates(self, hash_key, index_name)
            if candidates is None:
                return original_query(self, hash_key, *args, **kwargs)
            if index_name and hash_key is not None:
                window = _window(self, hash_key, signature.bind(self, hash_key, *args, **kwargs))
                if window is not None:
                    candidates = window
            _scope.current = (self, candidates)
            try:
                return original_query(self, hash_key, *args, **kwargs)
            finally:
                _scope.current = None

        def all_items(self: Any) -> Any:
            current = getattr(_scope, "current", None)
            if current is not None and current[0] is self:
                return current[1]
            return original_all_items(self)

        def sorted_items(self: Any, hash_key_attrs: Any, range_key_attrs: Any, items: list[Any]) -> list[Any]:
            attributes = tuple(self._generate_attr_to_sort_by(hash_key_attrs, range_key_attrs))
            # The same order as moto's (it compares DynamoType.cast_value), computed once per item and kept on it
            # until an update changes it in place, not once per compare and query.
            items.sort(key=lambda item: _sort_key(item, attributes))
            return items

        def put_item(self: Any, *args: Any, **kwargs: Any) -> Any:
            item = original_put(self, *args, **kwargs)
            _refresh(self, (item.hash_key, item.range_key))
            return item

        def delete_item(self: Any, hash_value: Any, range_value: Any) -> Any:
            deleted = original_delete(self, hash_value, range_value)
            _refresh(self, (hash_value, range_value if self.range_key_attr else None))
            return deleted

        def update_item(self: Any, table_name: str, *args: Any, **kwargs: Any) -> Any:
            item = original_update(self, table_name, *args, **kwargs)
            table = self.get_table(table_name)
            for changed in (item, _lookup(table, (item.hash_key, item.range_key))):
                if changed is not None:  # updated in place: its size and sort keys are worked out again
                    changed.__dict__.pop(_SIZE, None)
                    changed.__dict__.pop(_SORT_KEYS, None)
            _refresh(table, (item.hash_key, item.range_key))
            return item

        Table.query = query  # type: ignore[method-assign]
        Table.all_items = all_items  # type: ignore[method-assign]
        Table.sorted_items = sorted_items  # type: ignore[method-assign]
        Table.put_item = put_item  # type: ignore[method-assign]
        Table.delete_item = delete_item  # type: ignore[method-assign,assignment]
        DynamoDBBackend.update_item = update_item  # type: ignore[method-assign]
        _install_item_size_check()
        _install_fast_copies()
        _install_dynamodb_responses()
        _install_sqs()
        _installed = True


def _install_fast_copies() -> None:
    """The same copies moto's `__deepcopy__` makes (DynamoDB values are acyclic trees), without the dispatch."""
    import functools

    import moto.core.responses as core_responses
    from moto.core.utils import method_names_from_class
    from moto.dynamodb.models.dynamo_type import DynamoType, Item, LimitedSizeDict

    new_value = DynamoType.__new__
    sets = {"SS", "NS", "BS"}

    def copy_value(value: Any) -> Any:
        result = new_value(DynamoType)
        kind = result.type = value.type
        inner = value.value
        if kind == "L":
            result.value = [copy_value(each) for each in inner]
        elif kind == "M":
            result.value = {name: copy_value(each) for name, each in inner.items()}
        elif kind in sets:
            result.value = list(inner)
        else:
            result.value = inner
        return result

    def copy_item(self: Any, memo: dict[int, Any]) -> Any:
        if id(self) in memo:  # a table copied whole (a transaction's rollback) keeps one copy per item
            return memo[id(self)]
        result: Any = Item.__new__(Item)
        memo[id(self)] = result
        result.hash_key = copy_value(self.hash_key)
        result.range_key = copy_value(self.range_key) if self.range_key is not None else None
        attrs = LimitedSizeDict.__new__(LimitedSizeDict)
        dict.__init__(attrs)
        dict.update(attrs, {name: copy_value(value) for name, value in self.attrs.items()})
        result.attrs = attrs
        if _SIZE in self.__dict__:
            result.__dict__[_SIZE] = self.__dict__[_SIZE]
        return result

    DynamoType.__deepcopy__ = lambda self, memo: copy_value(self)  # type: ignore[method-assign]
    Item.__deepcopy__ = copy_item  # type: ignore[method-assign]
    core_responses.method_names_from_class = functools.lru_cache(maxsize=None)(method_names_from_class)  # type: ignore[attr-defined]


def _install_dynamodb_responses() -> None:
    """DynamoDB answers are already wire-format JSON documents: write them with `json.dumps` instead of moto's
    generic model-driven serializer, which walks every attribute of every item against the service model (about
    40 ms for a page of mentions). Anything `json.dumps` cannot write (binary values, errors) takes moto's path."""
    from moto.dynamodb.responses import DynamoResult

    original = DynamoResult.execute_result

    def execute_result(self: Any, context: Any) -> Any:
        if not isinstance(self.result, dict):
            return original(self, context)
        try:
            body = json.dumps(self.result)
        except (TypeError, ValueError):
            return original(self, context)
        return 200, {"Content-Type": "application/x-amz-json-1.0"}, body

    DynamoResult.execute_result = execute_result  # type: ignore[method-assign]


def _install_item_size_check() -> None:
    from moto.dynamodb.exceptions import ItemSizeTooLarge
    from moto.dynamodb.models.dynamo_type import DynamoType, Item, LimitedSizeDict
    from moto.dynamodb.models.utilities import bytesize

    def item_init(self: Any, hash_key: Any, range_key: Any, attrs: dict[str, Any]) -> None:
        self.hash_key = hash_key
        self.range_key = range_key
        converted = {key: DynamoType(value) for key, value in attrs.items()}
        size = sum(bytesize(key) + value.size() for key, value in converted.items())
        if size > 405_000:  # moto's own limit
            raise ItemSizeTooLarge
        self.attrs = LimitedSizeDict()
        dict.update(self.attrs, converted)  # later SETs still go through moto's per-attribute check
        self.__dict__[_SIZE] = size

    original_size = Item.size

    def size(self: Any) -> int:
        known: int | None = self.__dict__.get(_SIZE)
        if known is None:
            known = self.__dict__[_SIZE] = original_size(self)
        return known

    original_project = Item.project

    def project(self: Any, projection_expressions: list[list[str]]) -> Any:
        if not all(len(path) == 1 for path in projection_expressions):
            return original_project(self, projection_expressions)  # nested paths: moto's own code
        projected: Any = Item.__new__(Item)
        projected.hash_key = self.hash_key
        projected.range_key = self.range_key
        projected.attrs = LimitedSizeDict()
        names = dict.fromkeys(path[0] for path in projection_expressions)
        dict.update(projected.attrs, {name: copy.deepcopy(self.attrs[name]) for name in names if name in self.attrs})
        return projected

    Item.__init__ = item_init  # type: ignore[method-assign]
    Item.size = size  # type: ignore[method-assign]
    Item.project = project  # type: ignore[method-assign]


def _install_sqs() -> None:
    from moto.core.utils import unix_time, unix_time_millis
    from moto.sqs.models import Queue, SQSBackend

    def messages(self: Any) -> list[Any]:
        now = unix_time_millis()
        return [message for message in self._messages if message.visible_at < now and message.delayed_until <= now]

    Queue.messages = property(messages)  # type: ignore[method-assign,assignment]

    def is_message_valid_based_on_retention_period(self: Any, queue_name: str, message: Any) -> bool:
        retention = int(self.get_queue(queue_name).message_retention_period)
        return bool(retention + message.sent_timestamp / 1000 > unix_time())

    SQSBackend.is_message_valid_based_on_retention_period = is_message_valid_based_on_retention_period  # type: ignore[method-assign]
