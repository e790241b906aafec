package amoeba.tools;

import amoeba.capabilities.Capability;
import amoeba.capabilities.CapabilityFormatException;
import amoeba.capabilities.CapabilityText;
import amoeba.capabilities.Port;
import amoeba.capabilities.Rights;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * Converters for the capability arguments. Malformed input becomes a TypeConversionException,
 * which picocli reports as a usage error: one line, exit status 2.
 */
final class CapArgs {
  private CapArgs() {}

  /** {@code cap:} and 32 hex digits. */
  static final class CapabilityConverter implements ITypeConverter<Capability> {
    @Override
    public Capability convert(String value) {
      try {
        return CapabilityText.parse(value);
      } catch (CapabilityFormatException e) {
        throw new TypeConversionException(e.getMessage());
      }
    }
  }

  /** 12 hex digits. */
  static final class PortConverter implements ITypeConverter<Port> {
    @Override
    public Port convert(String value) {
      try {
        return Port.parse(value);
      } catch (CapabilityFormatException e) {
        throw new TypeConversionException(e.getMessage());
      }
    }
  }

  /** {@code 0x0f} or the letters form {@code crmd---a}. */
  static final class RightsConverter implements ITypeConverter<Integer> {
    @Override
    public Integer convert(String value) {
      try {
        return Rights.parse(value);
      } catch (CapabilityFormatException e) {
        throw new TypeConversionException(e.getMessage());
      }
    }
  }

  /** An object number 0..2^24-1, decimal or 0x hex. */
  static final class ObjectConverter implements ITypeConverter<Integer> {
    @Override
    public Integer convert(String value) {
      long n;
      try {
        n = value.startsWith("0x")
            ? Long.parseLong(value.substring(2), 16)
            : Long.parseLong(value);
      } catch (NumberFormatException e) {
        throw new TypeConversionException("an object number is decimal or 0x hex, got '" + value + "'");
      }
      if (n < 0 || n > Capability.MAX_OBJECT) {
        throw new TypeConversionException(
            "an object number is 0.." + Capability.MAX_OBJECT + " (24 bits), got " + n);
      }
      return (int) n;
    }
  }
}
