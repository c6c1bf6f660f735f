"""The one error type the services raise for input the domain refuses."""


class DomainError(Exception):
    """A refusal with a message code, the form field it belongs to, and parameters.

    The web layer turns ``code`` into a translated message (``matchmaker.messages``)
    and shows it next to ``field``, or at the top of the form when ``field`` is None.
    """

    def __init__(self, code: str, field: str | None = None, **params):
        super().__init__(code)
        self.code = code
        self.field = field
        self.params = params
