//! Exceptions: the builtin classes the subset raises and catches (no `class` statement, so the
//! set is closed), their hierarchy as CPython 3.11 and aiohttp have it, and their words.

use std::cell::RefCell;
use std::rc::Rc;

use super::value::Value;

macro_rules! exc_types {
    ($($variant:ident => $module:literal $name:literal [$($parent:ident),*];)*) => {
        /// An exception class.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub enum ExcType { $($variant),* }

        impl ExcType {
            pub const ALL: &'static [ExcType] = &[$(ExcType::$variant),*];

            pub fn name(self) -> &'static str {
                match self { $(ExcType::$variant => $name),* }
            }

            /// The module CPython prints before the name in a traceback (empty for builtins).
            pub fn module(self) -> &'static str {
                match self { $(ExcType::$variant => $module),* }
            }

            pub fn parents(self) -> &'static [ExcType] {
                match self { $(ExcType::$variant => &[$(ExcType::$parent),*]),* }
            }
        }
    };
}

exc_types! {
    BaseException => "" "BaseException" [];
    Exception => "" "Exception" [BaseException];
    SystemExit => "" "SystemExit" [BaseException];
    KeyboardInterrupt => "" "KeyboardInterrupt" [BaseException];
    GeneratorExit => "" "GeneratorExit" [BaseException];
    CancelledError => "asyncio.exceptions" "CancelledError" [BaseException];
    ArithmeticError => "" "ArithmeticError" [Exception];
    ZeroDivisionError => "" "ZeroDivisionError" [ArithmeticError];
    OverflowError => "" "OverflowError" [ArithmeticError];
    AssertionError => "" "AssertionError" [Exception];
    AttributeError => "" "AttributeError" [Exception];
    LookupError => "" "LookupError" [Exception];
    IndexError => "" "IndexError" [LookupError];
    KeyError => "" "KeyError" [LookupError];
    MemoryError => "" "MemoryError" [Exception];
    NameError => "" "NameError" [Exception];
    ImportError => "" "ImportError" [Exception];
    ModuleNotFoundError => "" "ModuleNotFoundError" [ImportError];
    UnboundLocalError => "" "UnboundLocalError" [NameError];
    OSError => "" "OSError" [Exception];
    ConnectionError => "" "ConnectionError" [OSError];
    ConnectionRefusedError => "" "ConnectionRefusedError" [ConnectionError];
    TimeoutError => "" "TimeoutError" [OSError];
    RuntimeError => "" "RuntimeError" [Exception];
    NotImplementedError => "" "NotImplementedError" [RuntimeError];
    RecursionError => "" "RecursionError" [RuntimeError];
    StopIteration => "" "StopIteration" [Exception];
    StopAsyncIteration => "" "StopAsyncIteration" [Exception];
    TypeError => "" "TypeError" [Exception];
    ValueError => "" "ValueError" [Exception];
    UnicodeError => "" "UnicodeError" [ValueError];
    JSONDecodeError => "json.decoder" "JSONDecodeError" [ValueError];
    InvalidStateError => "asyncio.exceptions" "InvalidStateError" [Exception];
    QueueEmpty => "asyncio.queues" "QueueEmpty" [Exception];
    QueueFull => "asyncio.queues" "QueueFull" [Exception];
    ClientError => "aiohttp.client_exceptions" "ClientError" [Exception];
    ClientConnectionError => "aiohttp.client_exceptions" "ClientConnectionError" [ClientError];
    ClientOSError => "aiohttp.client_exceptions" "ClientOSError" [ClientConnectionError, OSError];
    ClientConnectorError => "aiohttp.client_exceptions" "ClientConnectorError" [ClientOSError];
    ClientConnectorDNSError => "aiohttp.client_exceptions" "ClientConnectorDNSError" [ClientConnectorError];
    ServerConnectionError => "aiohttp.client_exceptions" "ServerConnectionError" [ClientConnectionError];
    ServerDisconnectedError => "aiohttp.client_exceptions" "ServerDisconnectedError" [ServerConnectionError];
    ServerTimeoutError => "aiohttp.client_exceptions" "ServerTimeoutError" [ServerConnectionError, TimeoutError];
    ClientResponseError => "aiohttp.client_exceptions" "ClientResponseError" [ClientError];
    ContentTypeError => "aiohttp.client_exceptions" "ContentTypeError" [ClientResponseError];
    ClientPayloadError => "aiohttp.client_exceptions" "ClientPayloadError" [ClientError];
    InvalidURL => "aiohttp.client_exceptions" "InvalidURL" [ClientError, ValueError];
    InvalidUrlClientError => "aiohttp.client_exceptions" "InvalidUrlClientError" [InvalidURL];
}

impl ExcType {
    /// `issubclass(self, other)`
    pub fn is_subclass(self, other: ExcType) -> bool {
        self == other || self.parents().iter().any(|p| p.is_subclass(other))
    }

    /// The name a traceback's last line starts with: `ValueError`, `asyncio.exceptions.CancelledError`.
    pub fn qualified_name(self) -> String {
        match self.module() {
            "" => self.name().to_string(),
            module => format!("{module}.{}", self.name()),
        }
    }

    /// Looks an exception class up by its builtin name (`ValueError`), for the builtins' scope.
    pub fn builtin(name: &str) -> Option<ExcType> {
        ExcType::ALL
            .iter()
            .copied()
            .find(|t| t.module().is_empty() && t.name() == name)
    }

    /// A class of a module: `asyncio.CancelledError`, `aiohttp.ClientError`.
    pub fn in_module(module: &str, name: &str) -> Option<ExcType> {
        let found = ExcType::ALL.iter().copied().find(|t| t.name() == name)?;
        let ok = match module {
            "asyncio" => {
                matches!(
                    found,
                    ExcType::CancelledError
                        | ExcType::InvalidStateError
                        | ExcType::QueueEmpty
                        | ExcType::QueueFull
                        | ExcType::TimeoutError
                )
            }
            "aiohttp" => found.module() == "aiohttp.client_exceptions",
            "json" => found == ExcType::JSONDecodeError,
            _ => false,
        };
        ok.then_some(found)
    }
}

/// A raised (or made) exception.
pub struct ExcObj {
    pub ty: ExcType,
    pub args: Vec<Value>,
    /// `raise X from Y`
    pub cause: RefCell<Option<Rc<ExcObj>>>,
    /// The exception being handled when this one was raised.
    pub context: RefCell<Option<Rc<ExcObj>>>,
    /// Where it was raised: the line, for the page's message.
    pub line: std::cell::Cell<u32>,
    /// And the column of the statement there (1-based, in characters), for the page to underline.
    pub col: std::cell::Cell<u32>,
    /// `StopIteration.value`: what a generator returned.
    pub value: Option<Value>,
    /// Attributes of its own: aiohttp's `host`, `port`, `status`.
    pub attrs: Vec<(&'static str, Value)>,
}

impl Drop for ExcObj {
    fn drop(&mut self) {
        // `raise ... from prev` in a loop chains causes without end: dropped flat.
        let linked = [self.cause.get_mut().take(), self.context.get_mut().take()];
        if linked.iter().any(Option::is_some) {
            super::value::drop_values(linked.into_iter().flatten().map(Value::Exc));
        }
    }
}

impl ExcObj {
    pub fn new(ty: ExcType, args: Vec<Value>) -> Rc<ExcObj> {
        Rc::new(ExcObj {
            ty,
            args,
            cause: RefCell::new(None),
            context: RefCell::new(None),
            line: std::cell::Cell::new(0),
            col: std::cell::Cell::new(0),
            value: None,
            attrs: Vec::new(),
        })
    }

    pub fn msg(ty: ExcType, message: impl Into<String>) -> Rc<ExcObj> {
        let message: String = message.into();
        ExcObj::new(ty, vec![Value::str(&message)])
    }

    pub fn stop_iteration(value: Value) -> Rc<ExcObj> {
        Rc::new(ExcObj {
            ty: ExcType::StopIteration,
            args: if matches!(value, Value::None) {
                vec![]
            } else {
                vec![value.clone()]
            },
            cause: RefCell::new(None),
            context: RefCell::new(None),
            line: std::cell::Cell::new(0),
            col: std::cell::Cell::new(0),
            value: Some(value),
            attrs: Vec::new(),
        })
    }

    /// `str(e)`: empty without arguments, the one argument's `str`, or the tuple's repr;
    /// a KeyError shows its key's repr.
    pub fn message(&self) -> String {
        match self.args.as_slice() {
            [] => String::new(),
            [one] if self.ty == ExcType::KeyError => one.repr(),
            [one] => one.to_str(),
            many => Value::tuple(many.to_vec()).repr(),
        }
    }

    /// `repr(e)`: `ValueError('boom')`
    pub fn repr(&self) -> String {
        let args = match self.args.as_slice() {
            [one] => one.repr(),
            many => {
                let tuple = Value::tuple(many.to_vec()).repr();
                tuple[1..tuple.len() - 1].trim_end_matches(',').to_string()
            }
        };
        format!("{}({args})", self.ty.name())
    }

    /// The traceback's last line: `ValueError: boom`, or the name alone without a message.
    pub fn last_line(&self) -> String {
        let message = self.message();
        if message.is_empty() {
            self.ty.qualified_name()
        } else {
            format!("{}: {message}", self.ty.qualified_name())
        }
    }
}
