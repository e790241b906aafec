/**
 * {@code amoeba flash}: installing boards on real Raspberry Pis, over SSH ({@link
 * amoeba.tools.flash.HostFlasher} through {@link amoeba.tools.flash.Ssh}) or onto a freshly
 * written SD card ({@link amoeba.tools.flash.SdCard}), from the release bundle ({@link
 * amoeba.tools.flash.Bundle}). The files a board gets are laid out by {@link
 * amoeba.tools.flash.BoardLayout} and {@link amoeba.tools.flash.BoardSettings}.
 */
package amoeba.tools.flash;
