/** The PayPal JS SDK button, loaded from PayPal only when /client-config carries a paypalClientId. */

interface PayPalActions {
  order: { create(order: unknown): Promise<string> };
}
interface PayPalButtons {
  render(container: HTMLElement): Promise<void>;
  close?: () => Promise<void>;
}
interface PayPalNamespace {
  Buttons(options: {
    style?: Record<string, string>;
    createOrder: (data: unknown, actions: PayPalActions) => Promise<string>;
    onApprove: (data: { orderID: string }) => Promise<void>;
    onError?: (error: unknown) => void;
    onCancel?: () => void;
  }): PayPalButtons;
}

let sdk: Promise<PayPalNamespace> | undefined;

function loadSdk(clientId: string, currency: string): Promise<PayPalNamespace> {
  sdk ??= new Promise<PayPalNamespace>((resolve, reject) => {
    const script = document.createElement('script');
    script.src = `https://www.paypal.com/sdk/js?client-id=${encodeURIComponent(clientId)}&currency=${encodeURIComponent(currency)}&intent=capture`;
    script.async = true;
    script.onload = () => {
      const paypal = (window as unknown as { paypal?: PayPalNamespace }).paypal;
      if (paypal) resolve(paypal);
      else reject(new Error('PayPal did not load.'));
    };
    script.onerror = () => {
      sdk = undefined;
      reject(new Error('PayPal could not be loaded.'));
    };
    document.head.appendChild(script);
  });
  return sdk;
}

export async function renderPayPalButton(options: {
  clientId: string;
  container: HTMLElement;
  amountMinor: number;
  currency: string;
  onApproved: (orderId: string) => Promise<void>;
  onError: (message: string) => void;
}): Promise<() => void> {
  const paypal = await loadSdk(options.clientId, options.currency);
  const buttons = paypal.Buttons({
    style: { layout: 'horizontal', label: 'pay', height: '44' },
    createOrder: (_data, actions) =>
      actions.order.create({
        intent: 'CAPTURE',
        purchase_units: [
          { amount: { currency_code: options.currency, value: (options.amountMinor / 100).toFixed(2) } },
        ],
      }),
    onApprove: (data) => options.onApproved(data.orderID),
    onError: () => options.onError('PayPal could not complete the payment. Try again or use a card.'),
  });
  await buttons.render(options.container);
  return () => {
    void buttons.close?.();
  };
}
