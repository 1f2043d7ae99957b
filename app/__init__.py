"""The regional training-offer portal. The application factory is `app.factory.create_app`; this
package imports nothing, so the pure rules (`app.validators`) load without Flask."""
