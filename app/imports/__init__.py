"""Imports of offer data from files. Every imported row goes through the same record checks as
the forms (app/checks): a file with one refused row saves nothing and says why, line by line."""
