"""The last result of the website link check (SPEC H5), one row per distinct URL: the records
(structures' *site internet*, formations' pages) join it on their URL as they store it."""
from flask_appbuilder import Model
from sqlalchemy import Boolean, Column, DateTime, Integer, String

URL_MAX_LENGTH = 1000  # the portal's URL columns hold 400 characters; imports may bring longer ones


class LinkCheck(Model):
    __tablename__ = "link_check"
    id = Column(Integer, primary_key=True)
    url = Column(String(URL_MAX_LENGTH), nullable=False, unique=True)  # exactly as the records store it
    checked_at = Column(DateTime, nullable=False)
    ok = Column(Boolean, nullable=False, index=True)
    status = Column(Integer)  # the last HTTP status received (None: no answer)
    final_url = Column(String(URL_MAX_LENGTH))  # where the redirects led
    reason = Column(String(200))  # why it is broken, in French ("Page introuvable (404)")

    def __repr__(self) -> str:
        return self.url
